// Checks the split browser bundle under target/site/pkg (after `make build`).
//
// wasm-bindgen runs on the main wasm only, after the splitter has moved the
// lazy pieces out. Every JS callback type (`Closure<dyn FnMut(Event)>`, …)
// and every cast has a descriptor function (`wasm_bindgen::__rt::wbg_cast`'s
// `breaks_if_inlined`) that wasm-bindgen must find and rewrite; one that the
// splitter moved into a piece is never rewritten, its descriptor imports stay
// behind, and the main wasm then fails to instantiate on every page. This
// finds that before a browser does, and names the pieces.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const pkg = process.argv[2] ?? "target/site/pkg";
const files = fs.readdirSync(pkg).filter((f) => f.endsWith(".wasm"));
const failures = [];

function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

// Function names from the "name" custom section (subsection 1).
function functionNames(module) {
  const names = [];
  for (const section of WebAssembly.Module.customSections(module, "name")) {
    const bytes = new Uint8Array(section);
    let at = 0;
    while (at < bytes.length) {
      const id = bytes[at++];
      let size;
      [size, at] = leb(bytes, at);
      const end = at + size;
      if (id === 1) {
        let count;
        [count, at] = leb(bytes, at);
        for (let i = 0; i < count; i++) {
          let len;
          [, at] = leb(bytes, at);
          [len, at] = leb(bytes, at);
          names.push(Buffer.from(bytes.subarray(at, at + len)).toString("utf8"));
          at += len;
        }
      }
      at = end;
    }
  }
  return names;
}

// Where each stray descriptor is used: its callers in the piece, followed
// up past wasm-bindgen's own generic functions (binaryen's wasm-dis).
function describe(file) {
  let wat;
  try {
    wat = execFileSync("wasm-dis", [file], { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "    (wasm-dis not found: `make tools` installs it)";
  }
  const callers = new Map();
  let current = null;
  for (const line of wat.split("\n")) {
    const func = line.match(/^ \(func \$(\S+)/);
    if (func) {
      current = func[1];
      continue;
    }
    for (const [, callee] of line.matchAll(/\(call \$([^\s)]+)/g)) {
      if (!callers.has(callee)) callers.set(callee, new Set());
      callers.get(callee).add(current);
    }
  }
  const generic = (name) => /^_ZN(12wasm_bindgen|4core|5alloc)/.test(name) || name.includes("wasm_bindgen..closure");
  const lines = [];
  const descriptors = wat.split("\n").map((l) => l.match(/^ \(func \$(\S*breaks_if_inlined\S*)/)).filter(Boolean).map((m) => m[1]);
  for (const descriptor of descriptors) {
    const users = new Set();
    const seen = new Set([descriptor]);
    let frontier = [descriptor];
    for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
      const next = [];
      for (const f of frontier) {
        for (const c of callers.get(f) ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          if (generic(c)) next.push(c);
          else users.add(demangle(c));
        }
      }
      frontier = next;
    }
    lines.push(`  - used by ${users.size > 0 ? [...users].join(", ") : "code in another piece (through the function table)"}`);
  }
  return lines.join("\n");
}

function demangle(name) {
  let out = name.replace(/^_ZN/, "").replace(/17h[0-9a-f]{16}E$/, "");
  out = out
    .replace(/\$LT\$/g, "<").replace(/\$GT\$/g, ">").replace(/\$u20\$/g, " ")
    .replace(/\$C\$/g, ",").replace(/\$LP\$/g, "(").replace(/\$RP\$/g, ")")
    .replace(/\$u7b\$/g, "{").replace(/\$u7d\$/g, "}").replace(/\$u2b\$/g, "+").replace(/\$u3d\$/g, "=");
  // Path segments are length-prefixed: 3app2ui5parts -> app::ui::parts.
  const parts = [];
  let at = 0;
  while (at < out.length) {
    const len = out.slice(at).match(/^\d+/);
    if (!len) break;
    at += len[0].length;
    parts.push(out.slice(at, at + Number(len[0])));
    at += Number(len[0]);
  }
  return parts.length > 0 ? parts.join("::").replace(/\.\./g, "::") : out;
}

// Some pieces the splitter writes hold no function to name.
function hasFunctions(bytes) {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = leb(bytes, at);
    if (id === 10) return leb(bytes, at)[0] > 0;
    at += size;
  }
  return false;
}

let pieces = 0;
for (const file of files) {
  const bytes = fs.readFileSync(path.join(pkg, file));
  const module = new WebAssembly.Module(bytes);
  const placeholders = WebAssembly.Module.imports(module).filter((i) =>
    i.module.startsWith("__wbindgen_placeholder__"),
  );
  if (placeholders.length > 0) {
    failures.push(`${file} imports ${placeholders.map((i) => i.name).join(", ")} from __wbindgen_placeholder__: it cannot be instantiated`);
  }
  if (file.startsWith("curbside")) continue;
  pieces += 1;
  const names = functionNames(module);
  const descriptors = names.filter((n) => n.includes("breaks_if_inlined"));
  if (descriptors.length > 0) {
    failures.push(`${file} holds ${descriptors.length} wasm-bindgen descriptor function(s), types used only in split code; name each in app/src/ui/descriptors.rs so that it stays in the main wasm:\n${describe(path.join(pkg, file))}`);
  }
  if (names.length === 0 && hasFunctions(bytes)) {
    failures.push(`${file} has no function names: this check needs a debug build (make build)`);
  }
}

if (pieces === 0) failures.push(`no split pieces under ${pkg}: build with --split first`);
if (failures.length > 0) {
  for (const f of failures) console.error(`check-split: ${f}`);
  process.exit(1);
}
console.log(`check-split: the main wasm and ${pieces} pieces hold no stray wasm-bindgen descriptors`);
