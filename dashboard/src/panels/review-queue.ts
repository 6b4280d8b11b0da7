import { gql } from '../api.js';
import { $, esc, messageRow } from '../dom.js';
import { ACCEPT_MATCH, DISMISS_NAME, REVIEW_DECISIONS, REVIEW_QUEUE } from '../operations.js';

interface Candidate {
  product: { code: string; name: string };
  variety: { name: string } | null;
  score: number;
  rule: string;
  evidence: string;
}
interface Queued {
  rawName: string;
  normalised: string;
  count: number;
  connectors: string[];
  examples: Record<string, unknown>[];
  firstSeenAt: string;
  lastSeenAt: string;
  candidates: Candidate[];
}
interface Decision {
  raw: string;
  actor: string | null;
  relinkedAt: string;
  product: { name: string } | null;
  previousProduct: { name: string } | null;
}

const RULE: Record<string, string> = { AMBIGUOUS: '多义', SIMILAR: '相似', EXACT: '精确', ALIAS: '别名' };
const day = (iso: string) => new Date(iso).toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });

/** What a source said with the name: market day, price and unit, or the seller. */
function example(e: Record<string, unknown>) {
  const parts = [e.connector, e.observedOn, e.spec, e.avgPrice != null ? `${e.avgPrice} 元/${e.unit ?? ''}` : null, e.seller].filter(
    (p) => p != null && p !== '',
  );
  return `<li>${parts.map(esc).join(' · ')} <span class="muted">${esc(e.sourceKey)}</span></li>`;
}

function queuedItem(q: Queued, i: number) {
  const options = q.candidates
    .map(
      (c, j) => `<label class="candidate">
      <input type="radio" name="cand-${i}" value="${j}" ${j === 0 ? 'checked' : ''} />
      <b>${esc(c.product.name)}</b>${c.variety ? ` · ${esc(c.variety.name)}` : ''}
      <span class="score">${c.score.toFixed(2)}</span> <span class="rule">${esc(RULE[c.rule] ?? c.rule)}</span>
      <span class="evidence">${esc(c.evidence)}</span></label>`,
    )
    .join('');
  return `<li class="queued" data-raw-name="${esc(q.rawName)}">
    <div class="queued-head"><span class="raw-name">${esc(q.rawName)}</span>
      <span class="muted">${q.count} 条 · ${q.connectors.map(esc).join('、')} · 首次 ${esc(day(q.firstSeenAt))} · 最近 ${esc(day(q.lastSeenAt))}</span></div>
    ${q.normalised !== q.rawName ? `<div class="muted">规范化 normalised: ${esc(q.normalised)}</div>` : ''}
    <div class="candidates">${options || '<span class="muted">无候选 No candidates: type a product below</span>'}
      <label class="candidate other"><input type="radio" name="cand-${i}" value="other" ${q.candidates.length ? '' : 'checked'} /> 其他产品
        <input class="other-product" placeholder="产品代码或名称，如 苹果" size="14" /> <input class="other-variety" placeholder="品种（可选）" size="10" /></label>
    </div>
    <details><summary>证据 Evidence: ${q.examples.length} 个样例</summary><ul class="examples">${q.examples.map(example).join('')}</ul></details>
    <div class="actions"><button type="button" class="accept">接受 Accept</button> <button type="button" class="dismiss">忽略 Dismiss</button> <span class="outcome" role="status"></span></div>
  </li>`;
}

/**
 * Review of unmatched product names (issue #14's queue, in the dashboard):
 * each name with its ranked candidates and evidence; accepting makes it an
 * alias and re-links the stored facts, dismissing takes it off the queue. The
 * hub records who decided (the key's organisation) in the audit trail and the
 * re-link lineage, which the panel lists below the queue.
 */
export function reviewQueue(canDecide: () => boolean) {
  let queued: Queued[] = [];
  const list = $('review-list');

  async function load() {
    const status = $('review-status');
    status.classList.remove('error');
    status.textContent = '加载中… loading';
    try {
      const { unmatchedNames } = await gql<{ unmatchedNames: { totalCount: number; nodes: Queued[] } }>(REVIEW_QUEUE);
      queued = unmatchedNames.nodes;
      status.textContent = `待审核 ${unmatchedNames.totalCount} 个名称${unmatchedNames.totalCount > queued.length ? `（显示前 ${queued.length} 个，按出现次数）` : ''}`;
      list.innerHTML = queued.length ? queued.map(queuedItem).join('') : '<li class="muted">队列为空 The queue is empty</li>';
      for (const button of list.querySelectorAll<HTMLButtonElement>('button')) {
        button.disabled = !canDecide();
        if (!canDecide()) button.title = '需要官员（OFFICIAL）或管理员密钥 An OFFICIAL or ADMIN key is required';
      }
    } catch (error) {
      status.textContent = `⚠ ${(error as Error).message}`;
      status.classList.add('error');
    }
    void loadDecisions();
  }

  async function loadDecisions() {
    const body = $('review-decisions');
    try {
      const { relinks } = await gql<{ relinks: Decision[] }>(REVIEW_DECISIONS);
      // One line per decision: re-links of one name by one actor at one time.
      const seen = new Map<string, Decision & { facts: number }>();
      for (const r of relinks) {
        const key = `${r.raw}|${r.actor}|${r.relinkedAt}`;
        const entry = seen.get(key) ?? { ...r, facts: 0 };
        entry.facts += 1;
        seen.set(key, entry);
      }
      body.innerHTML = seen.size
        ? [...seen.values()]
            .map(
              (d) =>
                `<tr><td>${esc(d.raw)}</td><td>${esc(d.product?.name ?? '–')}</td><td>${d.facts}</td><td>${esc(d.actor ?? '–')}</td><td>${esc(day(d.relinkedAt))}</td></tr>`,
            )
            .join('')
        : messageRow(5, '尚无决定 No decisions yet');
    } catch (error) {
      body.innerHTML = messageRow(5, (error as Error).message, true);
    }
  }

  list.addEventListener('click', async (event) => {
    const button = (event.target as HTMLElement).closest('button');
    const item = button?.closest<HTMLLIElement>('li.queued');
    if (!button || !item) return;
    const rawName = item.dataset.rawName!;
    const q = queued.find((x) => x.rawName === rawName);
    const outcome = item.querySelector<HTMLElement>('.outcome')!;
    outcome.classList.remove('error');
    try {
      if (button.classList.contains('accept')) {
        const choice = item.querySelector<HTMLInputElement>('input[type=radio]:checked')?.value;
        const candidate = choice && choice !== 'other' ? q?.candidates[Number(choice)] : undefined;
        const product = candidate?.product.code ?? item.querySelector<HTMLInputElement>('.other-product')!.value.trim();
        const variety = candidate ? candidate.variety?.name : item.querySelector<HTMLInputElement>('.other-variety')!.value.trim() || undefined;
        if (!product) throw new Error('请选择候选或填写产品 Pick a candidate or type a product');
        const { acceptMatch } = await gql<{ acceptMatch: { relinked: number } }>(ACCEPT_MATCH, {
          input: { rawName, product, ...(variety ? { variety } : {}) },
        });
        outcome.textContent = `已接受：${rawName} → ${candidate?.product.name ?? product}${variety ? `（${variety}）` : ''}，重新关联 ${acceptMatch.relinked} 条`;
      } else {
        await gql(DISMISS_NAME, { rawName });
        outcome.textContent = `已忽略：${rawName}`;
      }
      item.classList.add('decided');
      for (const b of item.querySelectorAll('button')) b.disabled = true;
      void loadDecisions();
    } catch (error) {
      outcome.textContent = `⚠ ${(error as Error).message}`;
      outcome.classList.add('error');
    }
  });

  return { load };
}
