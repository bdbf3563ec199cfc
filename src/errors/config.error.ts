/**
 * A setting the start refuses: names the variable, says what is wrong. Thrown by
 * config.ts; the start-failure line (logging/start-failure.ts) and the CLI print its
 * message as it is. Here, not in config.ts, so that logging needs nothing from the
 * composition root.
 */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`Ungültige Konfiguration ${variable}: ${message}`);
    this.variable = variable;
    this.name = 'ConfigError';
  }
}
