import { uploadFile, type UploadProgress } from '../api.js';
import { $, esc } from '../dom.js';
import { IMPORT_SPREADSHEET } from '../operations.js';

interface ImportResult {
  status: string;
  error: string | null;
  fileName: string | null;
  bytes: number | null;
  durationMs: number;
  counts: { read: number; stored: number; duplicates: number; rejected: number; unmatched: number };
  rejections: { position: string | null; field: string | null; reason: string }[];
  unmatchedNames: { name: string; rows: number }[];
}

const kb = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function result(r: ImportResult) {
  const c = r.counts;
  return `<p id="upload-summary" class="${r.status === 'OK' ? '' : 'error'}"><b>${esc(r.fileName)}</b> · ${r.bytes == null ? '' : kb(r.bytes)} · 状态 ${esc(r.status)}${r.error ? ` · ${esc(r.error)}` : ''} · 用时 ${(r.durationMs / 1000).toFixed(1)} 秒</p>
    <table class="counts"><thead><tr><th>读取行数</th><th>入库</th><th>重复</th><th>拒绝</th><th>待审核名称的行</th></tr></thead>
      <tbody><tr><td data-count="read">${c.read}</td><td data-count="stored">${c.stored}</td><td data-count="duplicates">${c.duplicates}</td>
        <td data-count="rejected" class="${c.rejected ? 'flag' : ''}">${c.rejected}</td><td data-count="unmatched">${c.unmatched}</td></tr></tbody></table>
    <h3>被拒绝的行 ${c.rejected > r.rejections.length ? `<small>（前 ${r.rejections.length} 行，共 ${c.rejected} 行）</small>` : ''}</h3>
    ${
      r.rejections.length
        ? `<div class="scroll"><table id="upload-rejections"><thead><tr><th>位置</th><th>字段</th><th>原因</th></tr></thead><tbody>
          ${r.rejections.map((x) => `<tr><td>${esc(x.position)}</td><td>${esc(x.field ?? '')}</td><td>${esc(x.reason)}</td></tr>`).join('')}</tbody></table></div>`
        : '<p class="muted">无</p>'
    }
    <h3>未能识别的产品名称 <small>已入库但未关联产品，等待审核</small></h3>
    ${
      r.unmatchedNames.length
        ? `<ul id="upload-unmatched">${r.unmatchedNames.map((n) => `<li><b>${esc(n.name)}</b> · ${n.rows} 行</li>`).join('')}</ul><p><a href="#review">去审核 →</a></p>`
        : '<p class="muted">无</p>'
    }`;
}

/**
 * The upload page (issue #15): an official picks a CSV or XLSX price sheet;
 * it goes to `importSpreadsheet(file:)` as a GraphQL multipart request, with a
 * progress bar fed by the browser's upload progress, then the hub's answer:
 * stored, duplicates, rejected rows with reasons, unmatched names.
 */
export function uploadPage(canUpload: () => boolean) {
  const form = $<HTMLFormElement>('upload-form');
  const input = $<HTMLInputElement>('upload-file');
  const bar = $<HTMLProgressElement>('upload-progress');
  const status = $('upload-status');
  const target = $('upload-result');

  const progress = ({ loaded, total }: UploadProgress) => {
    const percent = total ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
    bar.value = percent;
    bar.dataset.events = String(Number(bar.dataset.events ?? 0) + 1);
    status.textContent = percent < 100 ? `上传中 ${percent}%（${kb(loaded)} / ${kb(total)}）` : '已上传，服务器正在导入…';
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    status.classList.remove('error');
    if (!file) {
      status.textContent = '请先选择文件';
      return;
    }
    if (!canUpload()) {
      status.textContent = '需要官员（OFFICIAL）或管理员密钥才能上传';
      status.classList.add('error');
      return;
    }
    const button = form.querySelector('button')!;
    button.disabled = true;
    bar.value = 0;
    bar.dataset.events = '0';
    bar.hidden = false;
    target.innerHTML = '';
    status.textContent = `上传中 0%（0 / ${kb(file.size)}）`;
    try {
      const { importSpreadsheet } = await uploadFile<{ importSpreadsheet: ImportResult }>(IMPORT_SPREADSHEET, 'file', file, progress);
      bar.value = 100;
      status.textContent = '导入完成';
      target.innerHTML = result(importSpreadsheet);
    } catch (error) {
      status.textContent = `⚠ ${(error as Error).message}`;
      status.classList.add('error');
    } finally {
      button.disabled = false;
    }
  });
}
