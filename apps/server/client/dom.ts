// Tiny DOM helpers for the playground client (no framework): create HTML and SVG elements
// with attributes, listeners and children in one call.

/** Attributes of {@link h}: strings/numbers become attributes, functions `on*` listeners. */
export type Attributes = Record<
  string,
  string | number | boolean | undefined | ((event: Event) => void)
>

type Child = Node | string | number | null | undefined | false

function apply(element: Element, attributes: Attributes, children: readonly Child[]): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value)
    } else {
      element.setAttribute(name, value === true ? '' : String(value))
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    element.append(typeof child === 'object' ? child : String(child))
  }
}

/** Creates an HTML element. */
export function h<TTag extends keyof HTMLElementTagNameMap>(
  tag: TTag,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[TTag] {
  const element = document.createElement(tag)
  apply(element, attributes, children)
  return element
}

/** Creates an SVG element. */
export function svg<TTag extends keyof SVGElementTagNameMap>(
  tag: TTag,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[TTag] {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag)
  apply(element, attributes, children)
  return element
}

/** Replaces the children of `element`. */
export function replaceChildren(element: Element, ...children: Child[]): void {
  element.replaceChildren()
  apply(element, {}, children)
}
