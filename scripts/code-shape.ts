// Prints the pieces too big to hold in your head: non-test source files over FILE_LINES lines and
// functions over FUNCTION_LINES lines, as `file:line name length`, longest first. A report, not a
// gate: it always exits 0. `npm run code-shape [-- --file-lines=500 --function-lines=120]`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');
/** Folders never scanned: dependencies, build output, and tests (they may be long on purpose). */
const SKIP_DIRS = new Set(['node_modules', 'build', '.cache', '.data', '.git', 'tests']);
const SOURCE = /\.(ts|tsx|mts|mjs)$/;
const TEST = /\.(test|spec)\.(ts|tsx)$|\.d\.ts$/;
/** Bound on the walk, so a stray symlink loop cannot run forever. */
const MAX_FILES = 5000;

function option(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = given ? Number(given.split('=')[1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function sourceFiles(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (found.length >= MAX_FILES) throw new Error(`more than ${MAX_FILES} source files under ${ROOT}`);
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) sourceFiles(path, found);
    } else if (entry.isFile() && SOURCE.test(entry.name) && !TEST.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

type FunctionNode = ts.FunctionLikeDeclaration;

function isFunctionNode(node: ts.Node): node is FunctionNode {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** A readable name: the declared one, the variable or property it is assigned to, or the call it is passed to. */
function nameOf(node: FunctionNode, file: ts.SourceFile): string {
  if (node.name) return node.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(file);
  if (ts.isCallExpression(parent)) return `${parent.expression.getText(file).slice(0, 60)}(…) callback`;
  if (ts.isExportAssignment(parent)) return 'default export';
  return '(anonymous)';
}

interface Finding {
  at: string;
  name: string;
  lines: number;
}

function longFunctions(path: string, text: string, limit: number): Finding[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: Finding[] = [];
  const visit = (node: ts.Node) => {
    if (isFunctionNode(node) && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const lines = end - start + 1;
      if (lines > limit)
        found.push({ at: `${relative(ROOT, path)}:${start}`, name: nameOf(node, file), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const fileLimit = option('file-lines', 500);
const functionLimit = option('function-lines', 120);
const longFiles: Finding[] = [];
const functions: Finding[] = [];
for (const path of sourceFiles(ROOT).sort()) {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > fileLimit) longFiles.push({ at: relative(ROOT, path), name: '', lines });
  functions.push(...longFunctions(path, text, functionLimit));
}

const byLength = (a: Finding, b: Finding) => b.lines - a.lines || a.at.localeCompare(b.at);
console.log(`files over ${fileLimit} lines (tests excluded): ${longFiles.length}`);
for (const f of longFiles.sort(byLength)) console.log(`  ${f.at} ${f.lines}`);
console.log(`functions over ${functionLimit} lines (tests excluded): ${functions.length}`);
for (const f of functions.sort(byLength)) console.log(`  ${f.at} ${f.name} ${f.lines}`);
