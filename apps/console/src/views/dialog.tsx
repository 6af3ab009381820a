import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

const FOCUSABLE = 'button:not(:disabled), [href], input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog for the keyboard: Esc closes it, Tab and Shift+Tab stay inside it while it is
 * open, and the focus goes back where it was when it closes.
 */
export function Dialog(props: { labelledBy: string; testId: string; onClose: () => void; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('[autofocus]') ?? box.current?.querySelector<HTMLElement>(FOCUSABLE);
    if (!box.current?.contains(document.activeElement)) first?.focus();
    const keys = (e: KeyboardEvent) => {
      if (e.key === 'Escape') return (e.preventDefault(), e.stopPropagation(), props.onClose());
      if (e.key !== 'Tab' || !box.current) return;
      const stops = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (!stops.length) return e.preventDefault();
      const at = stops.indexOf(document.activeElement as HTMLElement);
      const next = e.shiftKey ? (at <= 0 ? stops.length - 1 : at - 1) : at === stops.length - 1 || at < 0 ? 0 : at + 1;
      e.preventDefault();
      stops[next].focus();
    };
    document.addEventListener('keydown', keys, true);
    return () => (document.removeEventListener('keydown', keys, true), before?.isConnected && before.focus());
  }, []);
  return (
    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby={props.labelledBy} data-testid={props.testId} ref={box}>
      {props.children}
    </div>
  );
}
