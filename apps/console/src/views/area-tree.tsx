import { useState } from 'preact/hooks';
import type { Areas, AreaNode } from '../model/areas';

/** The area tree as checkboxes: counties, their towns, their villages; areas outside the scope greyed. */
export function AreaTree(props: { areas: Areas; chosen: string[]; selectable: (code: string) => boolean; onToggle: (code: string) => void }) {
  const [open, setOpen] = useState<Set<string>>(() => new Set(props.areas.roots.map((r) => r.code)));
  const toggleOpen = (code: string) => setOpen((s) => (s.has(code) ? new Set([...s].filter((c) => c !== code)) : new Set([...s, code])));
  const node = (a: AreaNode) => {
    const kids = props.areas.children(a.code);
    const can = props.selectable(a.code);
    return (
      <li key={a.code}>
        {kids.length > 0 && (
          <button type="button" class="fold" aria-expanded={open.has(a.code)} aria-label={a.name} onClick={() => toggleOpen(a.code)}>
            {open.has(a.code) ? '▾' : '▸'}
          </button>
        )}
        <label class={can ? '' : 'context'}>
          <input type="checkbox" data-testid={`area-${a.code}`} disabled={!can} checked={props.chosen.includes(a.code)} onChange={() => props.onToggle(a.code)} />
          {a.name}
        </label>
        {kids.length > 0 && open.has(a.code) && <ul>{kids.map(node)}</ul>}
      </li>
    );
  };
  return <ul class="tree">{props.areas.roots.map(node)}</ul>;
}
