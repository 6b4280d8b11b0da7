import { gql } from '../api.js';
import { esc } from '../dom.js';
import { PRODUCT_SEARCH } from '../operations.js';

/** A catalogue product as the picker shows it. */
export interface PickedProduct {
  code: string;
  name: string;
}

interface ProductHit {
  code: string;
  name: string;
  nameEn: string | null;
  aliases: string[];
  varieties: { name: string; aliases: string[] }[];
}

/** Why a product matched the typed text, shown beside it so an official sees that 洋芋 is 马铃薯. */
interface Ranked {
  hit: ProductHit;
  rank: number;
  why: string;
}

/**
 * Orders search hits as a person expects: the product named exactly, then by
 * name prefix, then by alias, then by a variety's name or alias (the hub
 * returns them by code).
 */
export function rankHits(text: string, hits: ProductHit[]): Ranked[] {
  const q = text.trim().toLowerCase();
  const ranked = hits.map((hit): Ranked => {
    if (hit.name === q) return { hit, rank: 0, why: '' };
    if (hit.name.startsWith(q)) return { hit, rank: 1, why: '' };
    const alias = hit.aliases.find((a) => a === q) ?? hit.aliases.find((a) => a.includes(q));
    if (alias) return { hit, rank: alias === q ? 2 : 4, why: `别名：${alias}` };
    if (hit.name.includes(q)) return { hit, rank: 3, why: '' };
    // A variety named exactly (酥梨) before one whose name merely contains the text (早酥梨).
    const exact = hit.varieties.find((v) => v.name === q || v.aliases.includes(q));
    if (exact) return { hit, rank: 5, why: exact.name === q ? `品种：${exact.name}` : `品种：${exact.name}（${q}）` };
    for (const v of hit.varieties) {
      const named = v.name.includes(q) ? v.name : v.aliases.find((a) => a.includes(q));
      if (named) return { hit, rank: 6, why: named === v.name ? `品种：${v.name}` : `品种：${v.name}（${named}）` };
    }
    return { hit, rank: 7, why: hit.code.includes(q) || hit.nameEn?.toLowerCase().includes(q) ? `${hit.nameEn ?? hit.code}` : '' };
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.hit.name.length - b.hit.name.length || a.hit.code.localeCompare(b.hit.code));
}

/**
 * The product picker (issue #15): type a Chinese name, alias or variety
 * (苹果, 洋芋, 冰糖心), pick from the list with the mouse or the arrow keys and
 * Enter; `onPick` gets the product code the API takes.
 */
export function productPicker(input: HTMLInputElement, list: HTMLUListElement, initial: PickedProduct, onPick: (product: PickedProduct) => void) {
  let picked = initial;
  let options: Ranked[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  input.value = initial.name;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    active = -1;
  };
  const render = () => {
    list.innerHTML = options.length
      ? options
          .map(
            (o, i) => `<li role="option" id="product-option-${i}" data-code="${esc(o.hit.code)}" aria-selected="${i === active}">
          <b>${esc(o.hit.name)}</b> <span class="muted">${esc(o.hit.nameEn ?? o.hit.code)}</span>${o.why ? ` <small>${esc(o.why)}</small>` : ''}</li>`,
          )
          .join('')
      : '<li class="muted" aria-disabled="true">没有找到该产品 No product matches</li>';
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `product-option-${active}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (o: Ranked | undefined) => {
    if (!o) return;
    picked = { code: o.hit.code, name: o.hit.name };
    input.value = o.hit.name;
    close();
    onPick(picked);
  };
  const search = async () => {
    const text = input.value.trim();
    if (!text) return close();
    const mine = ++asked;
    try {
      const data = await gql<{ products: { nodes: ProductHit[] } }>(PRODUCT_SEARCH, { search: text });
      if (mine !== asked) return; // a later keystroke's answer wins
      options = rankHits(text, data.products.nodes).slice(0, 12);
      active = options.length ? 0 : -1;
      render();
    } catch (error) {
      list.innerHTML = `<li class="error">⚠ ${esc((error as Error).message)}</li>`;
      list.hidden = false;
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(), 150);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (list.hidden) return void search();
      active = Math.max(0, Math.min(options.length - 1, active + (event.key === 'ArrowDown' ? 1 : -1)));
      render();
    } else if (event.key === 'Enter' && !list.hidden) {
      event.preventDefault();
      choose(options[active]);
    } else if (event.key === 'Escape') {
      input.value = picked.name;
      close();
    }
  });
  list.addEventListener('mousedown', (event) => {
    // mousedown, not click: the input's blur would close the list first.
    const item = (event.target as HTMLElement).closest<HTMLLIElement>('li[data-code]');
    if (!item) return;
    event.preventDefault();
    choose(options.find((o) => o.hit.code === item.dataset.code));
  });
  input.addEventListener('blur', () => {
    close();
    if (input.value.trim() !== picked.name) input.value = picked.name;
  });
  return { current: () => picked };
}
