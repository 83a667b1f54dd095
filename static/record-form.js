// The record form (templates/record_form.html): shacl-form, served by this app from npm's
// @ulb-darmstadt/shacl-form, draws the fields from /forms/{kind}/shapes.ttl and checks what
// is typed against the shapes; this script
//   - lists the records a link may point to (drop-downs) from /forms/{kind}/choices, or,
//     for a link to more records than a drop-down should hold, suggests them as a name is
//     typed (/forms/{kind}/search),
//   - draws booleans (yes / no / not stated) and dates (day, month or year) its own way,
//   - shows each message as text next to its field, in the page's language, and makes the
//     form's add / remove buttons reachable with the keyboard,
//   - proposes the slug of a new record from its name (editable),
//   - saves through the write API (PUT /id/{kind}/{slug}) and puts the server's refusals
//     (422: the SHACL report, rules across records included) next to their fields.
import { Plugin } from "/static/vendor/shacl-form/form-default.js";

const config = JSON.parse(document.getElementById("record-form-config").textContent);
const words = config.words;
const XSD = config.xsd;
const form = document.getElementById("record-form");
const summary = document.getElementById("form-summary");
const saveButton = document.getElementById("save");
const saveStatus = document.getElementById("save-status");
const slugInput = document.getElementById("slug");
const slugMessage = document.getElementById("slug-message");
const reasonInput = document.getElementById("reason");
const warningPrefixes = config.severityWords.map((w) => w + ":");

// -- look and feel inside the form's shadow root (a plugin's stylesheet is adopted there) --
const FORM_CSS = `
form { --label-width: 13em; font: inherit; color: #1b1f24; }
.property-instance { flex-wrap: wrap; align-items: center; gap: .25rem 0; padding: .3rem 0; }
.property-instance label { font-weight: 600; }
.editor:not([type='checkbox']) { font: inherit; padding: .3rem .4rem; border: 1px solid #6b7686; border-radius: 3px; min-height: 2rem; }
.editor:focus-visible, .control-button:focus-visible, .lang-chooser:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.lang-chooser { background: #e9edf2; color: #1b1f24; }
.validation-error, .server-error { position: static; flex-basis: 100%; margin-left: var(--label-width); cursor: auto; color: #a4161a; font-size: .95rem; }
.validation-error::before, .server-error::before { content: '\\26a0\\fe0e  '; }
.validation-error.warning, .server-error.warning { color: #6b5200; }
.invalid:not(:has(> .validation-error:not(.warning), > .server-error:not(.warning))) > .editor { border-color: #8a6d00 !important; }
.validation-error.node, .server-error.node { margin-left: 0; }
.property-instance.valid::before { color: #1b6e33; }
shacl-node .add-button { color: #0b4f8a; font-size: .9rem; }
shacl-node .remove-button { color: #a4161a; }
.hint { flex-basis: 100%; margin-left: var(--label-width); color: #4a5360; font-size: .85rem; }
`;

class BooleanField extends Plugin {
  // yes / no / (empty: not stated): a boolean the source does not give stays unknown
  createEditor(template, value) {
    const required = template.minCount !== undefined && template.minCount > 0;
    const entries = [
      { value: "true", label: words.form_yes },
      { value: "false", label: words.form_no },
    ];
    return template.config.theme.createListEditor(template.label, value || null, required, entries, template);
  }
}

const DATE_PATTERNS = [
  [/^\d{4}-\d{2}-\d{2}$/, XSD + "date"],
  [/^\d{4}-\d{2}$/, XSD + "gYearMonth"],
  [/^\d{4}$/, XSD + "gYear"],
];

class DateField extends Plugin {
  // one text box for a day, a month or a year; the datatype follows what is typed
  createEditor(template, value) {
    const required = template.minCount !== undefined && template.minCount > 0;
    const element = template.config.theme.createTextEditor(template.label, value || null, required, template);
    const editor = element.querySelector(".editor");
    editor.setAttribute("placeholder", words.form_date_hint);
    editor.setAttribute("inputmode", "numeric");
    const typed = () => {
      const found = DATE_PATTERNS.find(([re]) => re.test(editor.value.trim()));
      // an unreadable date is sent as a plain string: the shapes then refuse it
      editor.shaclDatatype = { termType: "NamedNode", value: found ? found[1] : XSD + "string" };
    };
    if (value && value.datatype) editor.shaclDatatype = value.datatype;
    else typed();
    editor.addEventListener("input", typed);
    return element;
  }
}

const nativeValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");

class SearchField extends Plugin {
  // a link to one of thousands of records: the name is typed, matching records are
  // suggested (/forms/{kind}/search), and the field's value is the chosen record's IRI
  constructor(options, url) {
    super(options);
    this.url = url;
  }

  createEditor(template, value) {
    const required = template.minCount !== undefined && template.minCount > 0;
    const element = template.config.theme.createTextEditor(template.label, null, required, template);
    const input = element.querySelector(".editor");
    const list = document.createElement("datalist");
    list.id = input.id + "-choices";
    element.appendChild(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("placeholder", words.form_search_hint);
    const byName = new Map();
    let chosen = value ? value.value : "";
    // shacl-form reads `value` for the data: the IRI; the box shows the record's name
    Object.defineProperty(input, "value", {
      configurable: true,
      get: () => chosen,
      set: (iri) => {
        chosen = iri;
        nativeValue.set.call(input, config.names[iri] || iri);
      },
    });
    input.value = chosen;
    let asked = 0;
    input.addEventListener("input", async () => {
      const text = nativeValue.get.call(input);
      chosen = byName.get(text) || "";
      if (chosen || text.trim().length < 2) return;
      const mine = ++asked;
      const response = await fetch(this.url + "&q=" + encodeURIComponent(text), { credentials: "same-origin" });
      if (!response.ok || mine !== asked) return;
      const found = (await response.json()).results;
      list.replaceChildren(...found.map((hit) => {
        byName.set(hit.name, hit.iri);
        config.names[hit.iri] = hit.name;
        const option = document.createElement("option");
        option.value = hit.name;
        return option;
      }));
      chosen = byName.get(nativeValue.get.call(input)) || "";
    });
    return element;
  }
}

for (const [path, url] of Object.entries(config.searchFields)) {
  form.registerPlugin(new SearchField({ predicate: path }, url));
}
form.registerPlugin(new BooleanField({ datatype: XSD + "boolean" }, FORM_CSS));
form.registerPlugin(new DateField({ datatype: config.dateField }));

// -- drop-downs: the records a link may point to ------------------------------------------
const choicesPrefix = config.base + "forms/" + config.kind + "/choices?";
form.setClassInstanceProvider((cls) => {
  if (!cls.startsWith(choicesPrefix)) return Promise.resolve("");
  const url = "/forms/" + encodeURIComponent(config.kind) + "/choices?" + cls.slice(choicesPrefix.length);
  return fetch(url, { headers: { Accept: "text/turtle" }, credentials: "same-origin" })
    .then((r) => (r.ok ? r.text() : ""));
});

// -- messages as text, buttons for the keyboard (the form redraws parts as it is used) ----
let messageCounter = 0;
function isWarning(text) {
  return warningPrefixes.some((p) => text.startsWith(p));
}

function describe(editor, message) {
  if (!editor) return;
  const root = editor.getRootNode();
  const ids = (editor.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && root.getElementById(id));
  if (!ids.includes(message.id)) ids.push(message.id);
  editor.setAttribute("aria-describedby", ids.join(" "));
  if (!message.classList.contains("warning")) editor.setAttribute("aria-invalid", "true");
}

function showMessage(span) {
  // shacl-form puts the shape's message in the title of an icon: make it text
  if (span.dataset.shown) return;
  span.dataset.shown = "1";
  const text = (span.getAttribute("title") || "").trim();
  span.removeAttribute("title");
  span.textContent = text;
  span.id = "msg-" + ++messageCounter;
  if (isWarning(text)) span.classList.add("warning");
  describe(span.parentElement && span.parentElement.querySelector(":scope > .editor"), span);
}

function fixButton(button) {
  if (button.dataset.fixed) return;
  button.dataset.fixed = "1";
  button.setAttribute("role", "button");
  button.setAttribute("tabindex", "0");
  const field = (button.getAttribute("title") || "").replace(/^(Add|Remove) /, "");
  const verb = button.classList.contains("add-button") ? words.form_add : words.form_remove;
  const name = verb + " " + field;
  button.setAttribute("title", name);
  button.setAttribute("aria-label", name);
  button.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      button.click();
    }
  });
}

function fixUp(root) {
  root.querySelectorAll(".validation-error").forEach(showMessage);
  root.querySelectorAll(".control-button").forEach(fixButton);
  root.querySelectorAll(".lang-chooser:not([data-fixed])").forEach((select) => {
    select.dataset.fixed = "1";
    select.setAttribute("title", words.form_language);
    select.setAttribute("aria-label", words.form_language);
    // a text added next to others starts in a language none of them has (one per language)
    const instance = select.closest(".property-instance");
    const editor = instance && instance.querySelector(":scope > .editor");
    if (!editor || editor.value) return;
    const used = Array.from(instance.parentElement.querySelectorAll(":scope > .property-instance > .lang-chooser"))
      .filter((other) => other !== select).map((other) => other.value);
    const free = Array.from(select.options).map((o) => o.value).find((l) => !used.includes(l));
    if (free && used.includes(select.value)) {
      select.value = free;
      editor.dataset.lang = free;
    }
  });
  // a required choice with a single possible value (the type of most kinds): take it, and
  // validate once for all of them (one change event)
  let defaulted = null;
  root.querySelectorAll("select.editor[required]:not([data-defaulted])").forEach((select) => {
    select.dataset.defaulted = "1";
    const options = Array.from(select.options).filter((o) => o.value);
    if (!select.value && options.length === 1) {
      select.value = options[0].value;
      defaulted = select;
    }
  });
  if (defaulted) defaulted.dispatchEvent(new Event("change", { bubbles: true }));
  root.querySelectorAll(".property-instance + .property-instance > .editor:not([aria-label])").forEach((editor) => {
    // the second value of a field has its label hidden (one label per field on screen):
    // it keeps the field's name for assistive technology
    const label = editor.parentElement.querySelector(":scope > label");
    if (label && label.textContent) editor.setAttribute("aria-label", label.textContent);
  });
  root.querySelectorAll(".editor").forEach((editor) => {
    if (editor.dataset.nodeKind && editor.tagName === "INPUT" && !editor.getAttribute("placeholder")) {
      editor.setAttribute("placeholder", words.form_iri_hint);
      editor.setAttribute("type", "url");
    }
    if (!editor.classList.contains("invalid-seen")) {
      const row = editor.parentElement;
      const hasMessage = row && row.querySelector(":scope > .validation-error:not(.warning), :scope > .server-error:not(.warning)");
      if (!hasMessage) editor.removeAttribute("aria-invalid");
    }
  });
}

let observed = false;
function observe() {
  if (observed || !form.shadowRoot) return;
  observed = true;
  new MutationObserver(() => fixUp(form.shadowRoot)).observe(form.shadowRoot, { childList: true, subtree: true });
  fixUp(form.shadowRoot);
}
observe();
customElements.whenDefined("shacl-form").then(observe);

function rootNode() {
  return form.shadowRoot && form.shadowRoot.querySelector("shacl-node");
}

// -- the slug of a new record ---------------------------------------------------------------
let slugTouched = false;
const SPECIAL = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th", "ħ": "h" };

export function slugify(text) {
  return text
    .toLowerCase()
    .replace(/[ßæœøđðłıþħ]/g, (c) => SPECIAL[c])
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function currentValues(path) {
  const store = form.toRDF();
  return store.getQuads(config.subject, path, null, null).map((q) => q.object);
}

function proposeSlug() {
  if (!slugInput || slugTouched) return;
  let parts = [];
  if (config.slugSources.length) {
    for (const path of config.slugSources) {
      const value = currentValues(path)[0];
      if (!value || !value.value) { parts = []; break; }
      parts.push(value.termType === "NamedNode" ? value.value.replace(/\/+$/, "").split("/").pop() : value.value);
    }
  } else {
    for (const path of config.labelPaths) {
      const values = currentValues(path);
      const name = values.find((v) => v.language === "en") || values.find((v) => !v.language) || values[0];
      if (name && name.value) { parts = [name.value]; break; }
    }
  }
  const slug = config.slugUpper ? parts.join("-").toUpperCase().replace(/[^A-Z0-9-]/g, "") : slugify(parts.join(" "));
  if (slug !== slugInput.value) {
    slugInput.value = slug;
    checkSlug(false);
  }
}

function checkSlug(strict) {
  if (!slugInput) return true;
  const slug = slugInput.value.trim();
  let problem = "";
  if (!slug) problem = strict ? words.form_slug_missing : "";
  else if (!new RegExp(config.iriPattern).test(config.recordsPrefix + slug)) problem = words.form_slug_invalid;
  slugMessage.textContent = problem;
  slugMessage.classList.toggle("bad", !!problem);
  if (problem) slugInput.setAttribute("aria-invalid", "true");
  else slugInput.removeAttribute("aria-invalid");
  return !problem;
}

if (slugInput) {
  slugInput.addEventListener("input", () => {
    slugTouched = slugInput.value.trim() !== "";
    checkSlug(false);
  });
  form.addEventListener("input", proposeSlug);
  form.addEventListener("change", proposeSlug);
}

// -- saving -----------------------------------------------------------------------------------
function recordIri() {
  return config.iri || config.recordsPrefix + slugInput.value.trim();
}

function body() {
  const store = form.toRDF();
  // the form marks its root with the form's own shape as a type: not a fact of the record
  store.removeQuads(store.getQuads(null, config.rdfType, config.formShape, null));
  let text = form.serialize("application/n-triples", store);
  if (!config.iri) text = text.split("<" + config.subject + ">").join("<" + recordIri() + ">");
  return text + "\n" + config.kept;
}

function clearServerMessages() {
  if (form.shadowRoot) form.shadowRoot.querySelectorAll(".server-error").forEach((e) => e.remove());
  summary.hidden = true;
  summary.replaceChildren();
}

function say(text, links) {
  const p = document.createElement("p");
  p.textContent = text;
  summary.appendChild(p);
  for (const [label, href] of links || []) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    p.append(" ", a);
  }
  summary.hidden = false;
}

function recordPath(iri) {
  const prefix = config.base + "id/";
  return iri && iri.startsWith(prefix) ? "/id/" + iri.slice(prefix.length) : "";
}

function shortIris(text) {
  // the server's messages name records by their IRI: id:award/5-ghent reads better
  return text.split(config.base + "id/").join("id:");
}

function messageOf(result) {
  const text = shortIris((result.messages && (result.messages[config.lang] || result.messages.en)) || result.message || "");
  if (result.severity === "Violation" || !result.severity) return text;
  const prefix = result.severity === "Warning" ? config.severityWords[0] : config.severityWords[1];
  return prefix + ": " + text;
}

function editorValue(instance) {
  const editor = instance.querySelector(":scope > .editor");
  return editor ? editor.value : "";
}

function placeResult(result, iri) {
  // next to the field (and the value) it is about, when it is about this record
  const node = rootNode();
  if (!node || result.focus_node !== iri) return false;
  const span = document.createElement("span");
  span.className = "server-error" + (result.severity && result.severity !== "Violation" ? " warning" : "");
  span.id = "msg-" + ++messageCounter;
  span.textContent = messageOf(result);
  if (!result.path) {
    span.classList.add("node");
    node.prepend(span);
    return true;
  }
  const instances = Array.from(node.querySelectorAll(`.property-instance[data-path="${CSS.escape(result.path)}"]`));
  if (!instances.length) return false;
  const wanted = result.value && result.value.value;
  const instance = instances.find((i) => wanted !== undefined && editorValue(i) === wanted) || instances[0];
  instance.appendChild(span);
  if (!span.classList.contains("warning")) {
    instance.classList.remove("valid");
    instance.classList.add("invalid");
  }
  describe(instance.querySelector(":scope > .editor"), span);
  return true;
}

function showReport(report, heading) {
  const iri = recordIri();
  const elsewhere = [];
  let first = null;
  for (const result of report.results || []) {
    if (placeResult(result, iri)) {
      first = first || result;
    } else {
      elsewhere.push(result);
    }
  }
  say(heading);
  if (elsewhere.length) {
    const list = document.createElement("ul");
    for (const r of elsewhere) {
      const li = document.createElement("li");
      const path = recordPath(r.focus_node);
      if (path && r.focus_node !== iri) {
        const a = document.createElement("a");
        a.href = path;
        a.textContent = shortIris(r.focus_node);
        li.append(a, " : ");
      }
      li.append(messageOf(r));
      list.appendChild(li);
    }
    summary.appendChild(list);
  }
  summary.focus();
}

async function save() {
  clearServerMessages();
  saveStatus.textContent = "";
  await form.validate(false);
  fixUp(form.shadowRoot);
  const blocking = Array.from(form.shadowRoot.querySelectorAll(".validation-error")).filter((s) => !s.classList.contains("warning"));
  const slugOk = checkSlug(true);
  if (blocking.length || !slugOk) {
    say(words.form_fix_first);
    const target = !slugOk ? slugInput : blocking[0].parentElement.querySelector(":scope > .editor");
    (target || summary).focus();
    return;
  }
  const iri = recordIri();
  const headers = { "Content-Type": "text/turtle; charset=utf-8", Accept: "application/json" };
  if (config.iri && config.etag) headers["If-Match"] = config.etag;
  if (!config.iri) headers["If-None-Match"] = "*";
  if (config.csrf) headers["X-CSRF-Token"] = config.csrf;
  const reason = reasonInput.value.trim();
  const url = recordPath(iri) + (reason ? "?reason=" + encodeURIComponent(reason) : "");
  saveButton.disabled = true;
  saveStatus.textContent = words.form_saving;
  let response;
  try {
    response = await fetch(url, { method: "PUT", headers, body: body(), credentials: "same-origin" });
  } catch (e) {
    saveButton.disabled = false;
    saveStatus.textContent = "";
    say(words.form_failed);
    return;
  }
  saveButton.disabled = false;
  saveStatus.textContent = "";
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = {}; }
  if (response.ok) {
    // warnings are worth a look before leaving; hints (sh:Info) are not
    const results = (answer.warnings || []).filter((r) => r.severity === "Warning");
    if (!results.length) {
      window.location.assign(recordPath(iri));
      return;
    }
    showReport({ results }, words.form_saved_warnings);
    say("", [[words.form_view_record, recordPath(iri)]]);
    saveButton.disabled = true;
    return;
  }
  if (response.status === 422) {
    showReport(answer.report || answer, words.form_refused);
    return;
  }
  explainRefusal(response, answer);
}

function explainRefusal(response, answer) {
  const iri = recordIri();
  const detail = answer.detail ? " (" + (typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer.detail)) + ")" : "";
  if (response.status === 412 && !config.iri) {
    say(words.form_exists, [[words.form_view_record, recordPath(iri)]]);
  } else if (response.status === 412 || response.status === 428) {
    say(words.form_conflict, [[words.form_view_record, recordPath(iri)]]);
  } else if (response.status === 401) {
    say(words.form_login_again, [["/login", "/login?next=" + encodeURIComponent(location.pathname)]]);
  } else if (response.status === 403) {
    say(words.form_forbidden + detail);
  } else if (response.status === 400) {
    say(words.form_bad_request + detail);
  } else if (response.status === 413) {
    say(words.form_too_large);
  } else {
    say(words.form_failed + " " + response.status + detail);
  }
  summary.focus();
}

async function remove() {
  clearServerMessages();
  if (!window.confirm(words.form_delete_confirm)) return;
  const headers = { Accept: "application/json" };
  if (config.etag) headers["If-Match"] = config.etag;
  if (config.csrf) headers["X-CSRF-Token"] = config.csrf;
  const reason = reasonInput.value.trim();
  const url = recordPath(config.iri) + (reason ? "?reason=" + encodeURIComponent(reason) : "");
  let response;
  try {
    response = await fetch(url, { method: "DELETE", headers, credentials: "same-origin" });
  } catch (e) {
    say(words.form_failed);
    return;
  }
  if (response.ok) {
    window.location.assign("/id/" + config.kind + "/");
    return;
  }
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = {}; }
  if (response.status === 422 && answer.linked_from) {
    say(words.form_in_use, answer.linked_from.map((iri) => [shortIris(iri), recordPath(iri)]));
    summary.focus();
    return;
  }
  explainRefusal(response, answer);
}

saveButton.addEventListener("click", save);
const deleteButton = document.getElementById("delete");
if (deleteButton) deleteButton.addEventListener("click", remove);
