/**
 * `import.meta.url` for ES-module dependencies bundled into a CommonJS Lambda bundle: the
 * bundle file's own URL. lib/bundling/lambda-bundling.ts injects this module and defines
 * `import.meta.url` as `importMetaUrl`; without it esbuild leaves `import.meta` empty and
 * pdfkit's ES build fails at load (`new URL(…, undefined)`, see ADR 0085 and ADR 0110).
 * esbuild keeps an injected module in every bundle: about 80 bytes.
 */
import { pathToFileURL } from 'node:url';

export const importMetaUrl: string = pathToFileURL(__filename).href;
