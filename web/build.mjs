// Builds the dashboard into the folder given as the first argument: app.js and app.css (bundled and minified by
// esbuild from src/, with uPlot from node_modules) and index.html. src/Vigil/Vigil.csproj runs it after `npm ci` and
// embeds the result in the vigil binary (docs/dashboard.md).
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";

const out = path.resolve(process.argv[2] ?? "../artifacts/web");
await mkdir(out, { recursive: true });
const common = { bundle: true, minify: true, target: ["es2022"], logLevel: "warning", legalComments: "eof" };
await build({ ...common, entryPoints: ["src/main.js"], outfile: path.join(out, "app.js"), format: "iife" });
await build({ ...common, entryPoints: ["src/styles.css"], outfile: path.join(out, "app.css") });
await copyFile("src/index.html", path.join(out, "index.html"));
