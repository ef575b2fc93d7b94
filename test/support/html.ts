/** A strict little HTML well-formedness check: every non-void element closed in order, attributes quoted. */
const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'col', 'area', 'base', 'source', 'wbr']);

export const checkHtml = (html: string): string[] => {
  const problems: string[] = [];
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z:-]+="[^"<]*")*)\s*(\/?)>|<!DOCTYPE html>|<(?!\/?[a-zA-Z!])/g;
  let m: RegExpExecArray | null;
  let inStyle = false;
  while ((m = re.exec(html))) {
    if (m[0] === '<!DOCTYPE html>') continue;
    if (!m[2]) {
      if (!inStyle) problems.push(`stray "<" at ${m.index}`);
      continue;
    }
    const name = m[2].toLowerCase();
    if (inStyle && !(m[1] && name === 'style')) continue;
    if (m[1]) {
      const top = stack.pop();
      if (top !== name) problems.push(`</${name}> closes <${top ?? 'nothing'}> at ${m.index}`);
      if (name === 'style') inStyle = false;
    } else if (!VOID.has(name) && !m[4]) {
      stack.push(name);
      if (name === 'style') inStyle = true;
    }
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
};

/** Text of the cells of the first table row after the header, of the table with this id. */
export const tableRows = (html: string, id: string): string[][] => {
  const table = html.match(new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`))?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
    .slice(1)
    .map((r) => [...(r[1] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1] ?? ''));
};
