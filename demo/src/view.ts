/** Tiny DOM helpers: text goes in through textContent only (no innerHTML anywhere). */

type Child = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A definition list of claims; arrays are joined, objects shown as JSON. */
export function claimList(claims: Record<string, unknown>, names: readonly string[], testId: string): HTMLElement {
  const list = el('dl', { 'data-testid': testId });
  for (const name of names) {
    if (!(name in claims)) continue;
    const value = claims[name];
    const text = Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : JSON.stringify(value);
    list.append(el('dt', {}, name), el('dd', { 'data-claim': name }, text));
  }
  return list;
}

export function section(title: string, testId: string, ...children: Child[]): HTMLElement {
  return el('section', { 'data-testid': testId }, el('h2', {}, title), ...children);
}

export function button(label: string, testId: string, onClick: () => Promise<void> | void): HTMLButtonElement {
  const node = el('button', { type: 'button', 'data-testid': testId }, label);
  node.addEventListener('click', () => {
    node.disabled = true;
    Promise.resolve()
      .then(onClick)
      .catch((error: unknown) => showError(error))
      .finally(() => {
        node.disabled = false;
      });
  });
  return node;
}

export function showError(error: unknown): void {
  const box = document.getElementById('error');
  if (box) box.textContent = error instanceof Error ? error.message : String(error);
}
