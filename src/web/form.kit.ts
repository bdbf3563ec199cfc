import type { FieldError } from '../errors/domain.errors.ts';
import { html, joinHtml, type Html } from '../markup/html.ts';
import type { FormFields } from '../responses/response.service.ts';

/**
 * The controls of the forms on the authorities' pages: plain HTML that works without
 * JavaScript, with labels, hints, fieldsets, an error line per field and an error
 * summary whose entries jump to their fields.
 */

export interface FormView {
  /** Where the form posts to (the link's own path). */
  action: string;
  csrf: string;
  values?: FormFields;
  errors?: FieldError[];
  /** The answers the link takes now (link-answers.ts); absent: all of the purpose. */
  options?: readonly string[];
}

/** The summary above a form sent back with errors; each entry jumps to its field. */
export function errorSummary(errors: readonly FieldError[], anchor: (field: string) => string = (field) => `f-${field}`): Html | '' {
  if (errors.length === 0) return '';
  return html`<div class="zusammenfassung" role="alert" aria-labelledby="fehler-titel" tabindex="-1">
<h2 id="fehler-titel">Bitte prüfen Sie Ihre Angaben</h2>
<ul>${errors.map((e) => html`<li><a href="#${anchor(e.field)}">${e.message}</a></li>`)}</ul>
</div>`;
}

/** The hidden field every form carries: the link's CSRF value. */
export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

export class FormWriter {
  private readonly view: FormView;
  constructor(view: FormView) {
    this.view = view;
  }

  value(name: string): string {
    const value = this.view.values?.[name];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  }

  isChecked(name: string, option: string): boolean {
    const value = this.view.values?.[name];
    return Array.isArray(value) ? value.includes(option) : value === option;
  }

  error(name: string): FieldError | undefined {
    return this.view.errors?.find((e) => e.field === name);
  }

  errorLine(name: string): Html | '' {
    const error = this.error(name);
    return error ? html`<p class="fehler" id="fehler-${name}"><span class="unsichtbar">Fehler: </span>${error.message}</p>` : '';
  }

  /** ` aria-describedby="…"` (hint, error) and ` aria-invalid="true"` for a control. */
  describedBy(name: string, hint?: string): Html {
    const ids = [hint, this.error(name) ? `fehler-${name}` : undefined].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${this.error(name) ? html` aria-invalid="true"` : ''}`;
  }

  choices(type: 'radio' | 'checkbox', name: string, legend: string, options: Record<string, string>, hint?: string): Html {
    const hintId = hint ? `hinweis-${name}` : undefined;
    const items = Object.entries(options).map(([option, label]) => {
      const id = `f-${name}-${option}`;
      const checked = this.isChecked(name, option) ? html` checked` : '';
      return html`<div class="option"><input type="${type}" id="${id}" name="${name}" value="${option}"${checked}${this.describedBy(name, hintId)}><label for="${id}">${label}</label></div>`;
    });
    return html`<fieldset id="gruppe-${name}"><legend>${legend}</legend>
${hint ? html`<p class="hinweis" id="${hintId}">${hint}</p>` : ''}${this.errorLine(name)}
${joinHtml(items, '\n')}
</fieldset>`;
  }

  select(name: string, label: string, hint: string, options: Record<string, string>): Html {
    const hintId = `hinweis-${name}`;
    const chosen = this.value(name);
    const items = Object.entries(options).map(
      ([option, text]) => html`<option value="${option}"${chosen === option ? html` selected` : ''}>${text}</option>`,
    );
    return html`<div class="feld"><label for="f-${name}">${label}</label>
<p class="hinweis" id="${hintId}">${hint}</p>${this.errorLine(name)}
<select id="f-${name}" name="${name}"${this.describedBy(name, hintId)}><option value=""${chosen ? '' : html` selected`}>Bitte wählen</option>${items}</select></div>`;
  }

  /** `extra`: further attributes of the control, e.g. html` maxlength="200"`. */
  input(type: 'text' | 'url' | 'date', name: string, label: string, hint: string, extra: Html | '' = ''): Html {
    const hintId = `hinweis-${name}`;
    return html`<div class="feld"><label for="f-${name}">${label}</label>
<p class="hinweis" id="${hintId}">${hint}</p>${this.errorLine(name)}
<input type="${type}" id="f-${name}" name="${name}" value="${this.value(name)}"${extra}${this.describedBy(name, hintId)}></div>`;
  }

  textarea(name: string, label: string, hint: string, maxLength = 2000): Html {
    const hintId = `hinweis-${name}`;
    return html`<div class="feld"><label for="f-${name}">${label}</label>
<p class="hinweis" id="${hintId}">${hint}</p>${this.errorLine(name)}
<textarea id="f-${name}" name="${name}" rows="4" maxlength="${maxLength}"${this.describedBy(name, hintId)}>${this.value(name)}</textarea></div>`;
  }
}
