import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { html, trustedHtml, type Html } from '../markup/html.ts';

/**
 * The frame of every page the service shows a person: one style sheet (inline, admitted
 * by its hash in the Content-Security-Policy), the header, the main column; and the
 * headers and the reply that send a page. Pages are `Html` (src/markup/html.ts), built
 * only from `html` templates.
 */

// Text #1b1b1b and links/buttons #0b4f9c on white: contrast 16:1 and 8:1; errors
// #a4000f: 8:1. The focus ring is thick and offset so it shows on every control.
const STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;background:#fff;color:#1b1b1b;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.125rem;line-height:1.55;overflow-wrap:anywhere}
header{background:#0b4f9c;color:#fff;padding:.75rem 1rem}
header p{margin:0 auto;max-width:42rem;font-weight:700}
main{max-width:42rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0}
h2{font-size:1.25rem}
a{color:#0b4f9c}
a:focus,input:focus,textarea:focus,select:focus,button:focus{outline:3px solid #0b4f9c;outline-offset:3px}
fieldset{border:1px solid #6b6b6b;border-radius:4px;margin:0 0 1.5rem;padding:.75rem 1rem 1rem}
legend{font-weight:700;padding:0 .25rem}
.feld{margin:0 0 1.5rem}
.option{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}
.option input{width:1.3rem;height:1.3rem;margin-top:.2rem;flex:none}
label{font-weight:600}
.option label{font-weight:400}
.hinweis{color:#4a4a4a;margin:.15rem 0 .4rem;font-size:1rem}
input[type=text],input[type=url],input[type=date],textarea,select{display:block;width:100%;font:inherit;color:inherit;border:2px solid #1b1b1b;border-radius:3px;padding:.45rem .55rem;background:#fff}
input[type=date]{max-width:14rem}
textarea{min-height:6rem}
button{font:inherit;font-weight:700;color:#fff;background:#0b4f9c;border:2px solid #0b4f9c;border-radius:4px;padding:.6rem 1.4rem;cursor:pointer}
button:hover{background:#083b75}
a.knopf{display:inline-block;font-weight:700;color:#fff;background:#0b4f9c;border:2px solid #0b4f9c;border-radius:4px;padding:.6rem 1.4rem;text-decoration:none}
a.knopf:hover{background:#083b75}
.fehler{color:#a4000f;font-weight:700;margin:.2rem 0 .4rem}
[aria-invalid=true]{border-color:#a4000f}
.zusammenfassung{border:4px solid #a4000f;padding:.5rem 1rem;margin:1rem 0 1.5rem}
.zusammenfassung h2{margin:.4rem 0}
.zusammenfassung a{color:#a4000f;font-weight:700}
.kasten{border-left:6px solid #0b4f9c;background:#f2f6fb;padding:.5rem 1rem;margin:1rem 0}
dl{margin:0}
dt{font-weight:700;margin-top:.5rem}
dd{margin:0 0 .25rem}
.melden{margin:.75rem 0 0;font-weight:700}
ol.verlauf{list-style:none;padding:0}
ol.verlauf li{border-left:4px solid #6b6b6b;padding:.25rem .75rem;margin:0 0 1rem}
ol.verlauf li.eigene{border-left-color:#0b4f9c}
.text{white-space:pre-wrap;margin:.25rem 0 0}
ul.meldungen{list-style:none;padding:0}
ul.meldungen li{border-bottom:1px solid #6b6b6b;padding:.5rem 0}
ul.meldungen p{margin:.15rem 0}
.unsichtbar{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
input[type=password]{display:block;width:100%;font:inherit;color:inherit;border:2px solid #1b1b1b;border-radius:3px;padding:.45rem .55rem;background:#fff}
.sprunglink{position:absolute;left:-999rem;top:.5rem;background:#fff;color:#0b4f9c;padding:.5rem 1rem;font-weight:700;z-index:10}
.sprunglink:focus{left:1rem}
.kopf{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;max-width:64rem;margin:0 auto}
header .kopf p{margin:0;max-width:none}
header a{color:#fff}
header a:focus,header button:focus{outline-color:#fff}
nav.haupt ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
nav.haupt a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.sitzung{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:0}
.sitzung form{margin:0}
.sitzung button{background:#fff;color:#0b4f9c;border-color:#fff;padding:.25rem .9rem}
.sitzung button:hover{background:#dfe9f5}
main.breit{max-width:64rem}
footer{border-top:1px solid #6b6b6b;padding:1rem}
footer p{max-width:64rem;margin:0 auto}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:700;padding:.25rem 0}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem .4rem 0;border-bottom:1px solid #6b6b6b}
thead th{border-bottom:2px solid #1b1b1b}
button:disabled{background:#ececec;color:#3d3d3d;border-color:#6b6b6b;cursor:not-allowed}
ul.ereignisse{list-style:none;padding:0}
ul.ereignisse li{margin:0 0 1rem}
progress{width:100%;height:1.5rem}
nav.reiter ul{list-style:none;margin:0 0 1.5rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem;border-bottom:2px solid #1b1b1b}
nav.reiter a{display:block;padding:.4rem .8rem;border:1px solid #6b6b6b;border-bottom:none;border-radius:4px 4px 0 0}
nav.reiter a[aria-current=page]{font-weight:700;background:#0b4f9c;color:#fff;border-color:#0b4f9c}
details.filter{margin:0 0 1.5rem}
details.filter summary{font-weight:700;cursor:pointer;padding:.25rem 0}
.knoepfe{display:flex;flex-wrap:wrap;gap:.5rem}
ul.kandidaten{list-style:none;padding:0}
ul.kandidaten>li{border-top:2px solid #6b6b6b;padding:.5rem 0 1rem}
.tabelle{overflow-x:auto;position:relative}
.tabelle td,.tabelle th{overflow-wrap:normal}
div.filter{display:flex;flex-wrap:wrap;gap:0 1rem}
div.filter .feld{flex:1 1 12rem}
nav.seiten ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
pre.text{font:inherit;font-size:1rem;border:1px solid #6b6b6b;padding:.5rem .75rem}
blockquote{margin:.25rem 0;padding-left:.75rem;border-left:4px solid #6b6b6b}
ul.aufrufe{list-style:none;padding:0}
li.aufruf{border-top:1px solid #6b6b6b;padding-top:.5rem}
body.eingebettet main{padding:.5rem}
figure.ablauf{margin:1rem 0}
figure.ablauf svg{display:block;max-width:100%;height:auto}
.karte{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}.karte svg{flex:3 1 18rem;max-width:44rem}.legende{flex:1 1 14rem}.legende ul{list-style:none;padding:0}.quelle{flex:1 1 100%;font-size:1rem}
.karte svg path{stroke:#fff;stroke-width:.6}.karte .grenzen{fill:none;stroke:#1b1b1b;stroke-width:1.6;pointer-events:none}.karte a:hover path{stroke:#1b1b1b;stroke-width:3}.karte a:focus{outline:none}.karte a:focus path{stroke:#0b4f9c;stroke-width:5}
.namen{pointer-events:none;font-size:16px;text-anchor:middle;fill:#1b1b1b;stroke:#fff;stroke-width:3px;paint-order:stroke}.namen .berlin{font-style:italic}.fokus{display:none;pointer-events:none;font-size:20px;font-weight:700;fill:#1b1b1b;stroke:#fff;stroke-width:4px;paint-order:stroke}.karte a:focus .fokus,.karte a:hover .fokus{display:inline}
.farbe{display:inline-block;width:1.1em;height:1.1em;border:1px solid #1b1b1b;vertical-align:-.15em;margin-right:.4em}.grau{fill:#c8c8c8;background:#c8c8c8}
.stufe-informiert{fill:#d2e3f3;background:#d2e3f3}.stufe-interessiert{fill:#9ecae1;background:#9ecae1}.stufe-pilot{fill:#b294c7;background:#b294c7}.stufe-eingeladen{fill:#6baed6;background:#6baed6}.stufe-onboarding{fill:#3182bd;background:#3182bd}.stufe-busbb{fill:#a1d99b;background:#a1d99b}.stufe-live{fill:#238b45;background:#238b45}.stufe-raus{fill:#f4a259;background:#f4a259}
.live-0{fill:#e4e4e4;background:#e4e4e4}.live-1{fill:#c7e9c0;background:#c7e9c0}.live-2{fill:#74c476;background:#74c476}.live-4{fill:#31a354;background:#31a354}.live-6{fill:#006d2c;background:#006d2c}
section.lagebild table{margin:0 0 1.75rem}
`;

/** For the Content-Security-Policy: only this stylesheet may apply. */
export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** With every page behind a link, the start page and the pages for requests the router could not decode (src/app.ts). */
export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  // The token is in the URL: it must not travel on in a Referer header to another
  // site. Not no-referrer: under that policy a browser posts the form with
  // `Origin: null`, and the Origin check could not tell it from a forged one.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': `default-src 'none'; style-src ${PAGE_STYLE_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
};

/** The style sheet is the program's own text, never input: the one place a page takes markup through trustedHtml. */
const STYLE_SHEET = trustedHtml(STYLE);

/** The document's start up to </head>, the same for the authorities' and the staff's pages. */
export function documentHead(title: string): Html {
  return html`<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title} – EfA-Rollout Brandenburg</title>
<style>${STYLE_SHEET}</style>
</head>`;
}

export function renderLayout(title: string, body: Html): Html {
  return html`${documentHead(title)}
<body>
<header><p>EfA-Rollout Brandenburg</p></header>
<main>
${body}
</main>
</body>
</html>
`;
}

export function sendHtml(reply: FastifyReply, status: number, page: Html) {
  return reply.code(status).type('text/html; charset=utf-8').send(String(page));
}
