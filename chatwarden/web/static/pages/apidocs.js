// "/docs": the HTTP API, read from /openapi.json and shown with the page's own DOM builders
// (offline: no CDN, no inline script, the site's CSP applies). Operations are grouped by tag;
// each opens to its parameters, request body and every answer it can give; schemas are listed
// at the end and linked from wherever they are used.

import { clear, el } from "../js/dom.js";
import { header } from "../js/ui.js";

const root = document.getElementById("app");
const METHODS = ["get", "post", "put", "patch", "delete"];

/** Text with its `code` and ``code`` spans as <code> nodes (the descriptions use both). */
function prose(text) {
  return String(text || "").split(/``?([^`]+)``?/).map((part, i) => (i % 2 ? el("code", {}, part) : part));
}

/** The name a ``$ref`` points at ("#/components/schemas/Name" -> "Name"). */
function refName(ref) {
  return String(ref).split("/").pop();
}

/** A schema's type as nodes: a link for a named schema, "array of X", "A | B", enums. */
function typeOf(schema) {
  if (!schema || typeof schema !== "object") return ["any"];
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return [el("a", { href: `#schema-${name}`, class: "api-ref" }, name)];
  }
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    if (Array.isArray(schema[key])) {
      const parts = [];
      schema[key].forEach((part, i) => {
        if (i) parts.push(key === "allOf" ? " & " : " | ");
        parts.push(...typeOf(part));
      });
      return parts;
    }
  }
  if (Array.isArray(schema.enum)) return [`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`];
  if (schema.const !== undefined) return [JSON.stringify(schema.const)];
  if (schema.type === "array") return ["array of ", ...typeOf(schema.items)];
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return ["object of ", ...typeOf(schema.additionalProperties)];
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "any";
  return [schema.format ? `${type} (${schema.format})` : type];
}

/** Limits and defaults worth knowing ("3-25 chars", "default 50"). */
function limits(schema) {
  if (!schema || typeof schema !== "object") return "";
  const out = [];
  if (schema.minLength !== undefined || schema.maxLength !== undefined) {
    out.push(`${schema.minLength ?? 0}-${schema.maxLength ?? "…"} chars`);
  }
  if (schema.minimum !== undefined) out.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) out.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) out.push(`≤ ${schema.maximum}`);
  if (schema.pattern !== undefined) out.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out.join(", ");
}

function table(head, rows) {
  return el("table", { class: "api-table" },
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows));
}

function parameters(op) {
  const params = op.parameters || [];
  if (!params.length) return null;
  return el("section", {},
    el("h4", {}, "Parameters"),
    table(["name", "in", "type", "notes"], params.map((p) => el("tr", {},
      el("td", {}, el("code", {}, p.name), p.required ? el("span", { class: "api-req", title: "required" }, " *") : null),
      el("td", {}, p.in),
      el("td", {}, typeOf(p.schema)),
      el("td", {}, prose([p.description || p.schema?.description || "", limits(p.schema)].filter(Boolean).join(" · ")))))));
}

function body(op) {
  const content = op.requestBody?.content;
  if (!content) return null;
  return el("section", {},
    el("h4", {}, "Request body", op.requestBody.required ? " (required)" : ""),
    el("ul", { class: "api-list" }, Object.entries(content).map(([type, media]) =>
      el("li", {}, el("code", {}, type), ": ", typeOf(media.schema)))));
}

function responses(op) {
  return el("section", {},
    el("h4", {}, "Responses"),
    table(["status", "meaning", "body"], Object.entries(op.responses || {}).map(([status, answer]) => {
      const media = Object.values(answer.content || {})[0];
      return el("tr", {},
        el("td", {}, el("code", {}, status)),
        el("td", {}, prose(answer.description)),
        el("td", {}, media ? typeOf(media.schema) : "—"));
    })));
}

function operation(method, path, op) {
  const id = `op-${op.operationId || `${method}-${path}`}`;
  return el("details", { class: "api-op", id, dataset: { search: `${method} ${path} ${op.summary || ""}`.toLowerCase() } },
    el("summary", {},
      el("span", { class: ["api-method", `api-${method}`] }, method.toUpperCase()),
      " ", el("code", { class: "api-path" }, path),
      op.summary ? el("span", { class: "muted" }, ` — ${op.summary}`) : null,
      op.deprecated ? el("span", { class: "badge warn" }, "deprecated") : null),
    op.description ? el("p", { class: "api-desc" }, prose(op.description)) : null,
    parameters(op),
    body(op),
    responses(op));
}

function schemaBlock(name, schema) {
  const props = Object.entries(schema.properties || {});
  const required = new Set(schema.required || []);
  return el("details", { class: "api-op", id: `schema-${name}`, dataset: { search: name.toLowerCase() } },
    el("summary", {}, el("code", {}, name), schema.description ? el("span", { class: "muted" }, " — ", prose(schema.description.split("\n")[0])) : null),
    props.length
      ? table(["field", "type", "notes"], props.map(([field, s]) => el("tr", {},
        el("td", {}, el("code", {}, field), required.has(field) ? el("span", { class: "api-req", title: "required" }, " *") : null),
        el("td", {}, typeOf(s)),
        el("td", {}, prose([s.description || "", limits(s)].filter(Boolean).join(" · "))))))
      : el("p", {}, typeOf(schema)));
}

/** Open the <details> a #fragment names (a schema link), and its section. */
function openTarget() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
    target.scrollIntoView();
  }
}

function render(doc) {
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operation(method, path, op));
    }
  }
  const count = [...groups.values()].reduce((n, ops) => n + ops.length, 0);
  const filter = el("input", { type: "search", placeholder: "Filter by path, method or words", "aria-label": "Filter operations", "data-testid": "api-filter" });
  const sections = [...groups.entries()].map(([tag, ops]) =>
    el("section", { class: "card api-group", "data-testid": "api-group" }, el("h2", {}, tag), ops));
  const schemas = Object.entries(doc.components?.schemas || {}).map(([name, s]) => schemaBlock(name, s));
  filter.addEventListener("input", () => {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (const node of root.querySelectorAll(".api-op")) {
      node.hidden = !words.every((w) => node.dataset.search.includes(w));
    }
  });
  clear(root, el("main", { id: "main", tabindex: "-1", class: "api-docs" },
    el("h1", {}, `${doc.info?.title || "API"} ${doc.info?.version || ""}`),
    doc.info?.summary ? el("p", {}, doc.info.summary) : null,
    el("p", { class: "muted" }, `${count} operations. Log in with `, el("code", {}, "POST /api/v1/sessions"),
      " (a session cookie; a write then also sends the ", el("code", {}, "cw_csrf"), " cookie's value as ",
      el("code", {}, "X-CSRF-Token"), ") or send an API token as ", el("code", {}, "Authorization: Bearer …"),
      ". The machine-readable document: ", el("a", { href: "/openapi.json" }, "/openapi.json"), "."),
    filter,
    sections,
    el("section", { class: "card api-group" }, el("h2", {}, "Schemas"), schemas)));
  openTarget();
}

async function main() {
  document.title = "API · ChatWarden";
  root.before(header("API", null));
  try {
    const answer = await fetch("/openapi.json", { headers: { accept: "application/json" } });
    if (!answer.ok) throw new Error(`GET /openapi.json answered ${answer.status}`);
    render(await answer.json());
  } catch (err) {
    clear(root, el("main", { id: "main" }, el("p", { class: "error", role: "alert" }, `The API description could not be loaded: ${err.message}`)));
  }
  document.body.dataset.ready = "1";
}

window.addEventListener("hashchange", openTarget);
main();
