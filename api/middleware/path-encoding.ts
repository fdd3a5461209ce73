import type { RequestHandler } from 'express';
import { validationFailed } from '../errors.js';
import { registry } from '../openapi.js';

// A path parameter that is not valid percent-encoding ('/deposits/%', '/deposits/%zz', '%C3%28')
// makes Express throw a URIError while it matches routes, which answered 500. Checked before any
// route runs, it is a 400 validation_failed naming the parameter, as the documented path templates
// ('/deposits/{id}') call it. (api/errors.ts maps Express's own URIError too, for the pages.)

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/** The documented paths ('/ops/deposits/{id}/confirm'), split into segments; read once, when first needed. */
let templates: string[][] | null = null;
function documentedPaths(): string[][] {
  templates ??= registry.definitions.flatMap((d) => (d.type === 'route' ? [d.route.path.split('/')] : []));
  return templates;
}

/** What the documented route matching `segments` calls the segment at `index`: 'id', or 'path'. */
function parameterName(segments: string[], index: number): string {
  const template = documentedPaths().find(
    (t) =>
      t.length === segments.length &&
      t.every((part, i) => (/^\{\w+\}$/.test(part) ? segments[i] !== '' : part === segments[i])),
  );
  const part = template?.[index];
  return part && /^\{\w+\}$/.test(part) ? part.slice(1, -1) : 'path';
}

/** Mount first on the API router: 400 unless every segment of the path decodes. */
export function decodablePath(): RequestHandler {
  return (req, _res, next) => {
    const segments = req.path.split('/');
    const index = segments.findIndex((segment) => !decodes(segment));
    if (index === -1) return next();
    const name = parameterName(segments, index);
    const message = `${name} is not valid percent-encoding (${JSON.stringify(segments[index]!.slice(0, 100))})`;
    next(
      validationFailed([{ path: name, code: 'invalid_encoding', message }], 'the request path is not valid'),
    );
  };
}
