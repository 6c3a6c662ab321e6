/**
 * A small XML well-formedness check written for the viz tests, scanning characters rather than
 * matching patterns: every tag closes in order, attribute values are quoted, one root element.
 * Returns the text content too, so tests can look for labels.
 */
export function checkXml(xml: string): { root: string; text: string } {
  const stack: string[] = [];
  let root = "";
  let text = "";
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${i}: ${why}`);
  };
  const skipPast = (end: string) => {
    const j = xml.indexOf(end, i);
    if (j < 0) fail(`missing ${end}`);
    i = j + end.length;
  };
  while (i < xml.length) {
    if (xml[i] !== "<") {
      if (!stack.length && xml[i].trim()) fail("text outside the root element");
      text += xml[i++];
      continue;
    }
    if (xml.startsWith("<?", i)) skipPast("?>");
    else if (xml.startsWith("<!--", i)) skipPast("-->");
    else if (xml.startsWith("<!", i)) skipPast(">");
    else {
      const closing = xml[i + 1] === "/";
      i += closing ? 2 : 1;
      let name = "";
      while (i < xml.length && !" \t\n\r/>".includes(xml[i])) name += xml[i++];
      if (!name) fail("empty tag name");
      let quote = "";
      let selfClosing = false;
      for (; i < xml.length; i++) {
        const c = xml[i];
        if (quote) {
          if (c === quote) quote = "";
          else if (c === "<") fail("< inside an attribute value");
        } else if (c === '"' || c === "'") quote = c;
        else if (c === ">") break;
        else if (c === "/" && xml[i + 1] === ">") selfClosing = true;
      }
      if (i >= xml.length) fail(`unterminated tag <${name}`);
      i++;
      if (closing) {
        if (stack.pop() !== name) fail(`</${name}> does not close the open element`);
      } else if (!selfClosing) {
        if (!stack.length && root) fail("second root element");
        if (!stack.length) root = name;
        stack.push(name);
      } else if (!stack.length && !root) root = name;
    }
  }
  if (stack.length) fail(`unclosed <${stack[stack.length - 1]}>`);
  if (!root) fail("no root element");
  return { root, text };
}
