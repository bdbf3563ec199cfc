/**
 * How large a request body may be. Small by default: every JSON route of the API fits in
 * 256 KiB, and a larger limit only lets a client make the server parse and validate
 * megabytes it will refuse anyway. Routes that need more say so (templates, long lists
 * of authorities); only the directory upload takes megabytes (its own limit).
 */
export const JSON_BODY_LIMIT_BYTES = 256 * 1024;

/** A solution or wave for every municipality of Germany (20,000 keys), a template with 150,000 characters. */
export const LARGE_JSON_BODY_LIMIT_BYTES = 1024 * 1024;
