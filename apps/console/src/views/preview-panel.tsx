import { nameOf, type T } from '../i18n';
import type { Areas } from '../model/areas';
import type { Preview } from '../model/types';
import { reachOf } from '../board/reach';

/** How many people and towns the order reaches: from the preview's counts by area. */
export function reachWords(t: T, areas: Areas, p: Preview): string {
  const r = reachOf(areas, p.reach);
  return t('compose.reach', { people: r.people.toLocaleString(), towns: r.towns, counties: r.counties });
}

/** What each channel will carry: the text, its size in the channel's unit, SMS parts. */
export function PreviewPanel(props: { t: T; areas: Areas; preview: Preview | null; hasTargets: boolean; withTexts: boolean }) {
  const { t, preview } = props;
  return (
    <section class="preview" data-testid="preview">
      <p class="reach" data-testid="reach">{props.hasTargets && preview ? reachWords(t, props.areas, preview) : t('compose.reachNone')}</p>
      {preview && props.withTexts && (
        <table>
          <caption>{t('compose.preview')}</caption>
          <tbody>
            {preview.texts.map((x) => (
              <tr key={x.channel} data-testid={`preview-${x.channel}`}>
                <th scope="row">{nameOf(t, 'channel', x.channel)}</th>
                <td class="text">{x.text}</td>
                <td class={x.size > x.capacity ? 'over' : ''}>
                  {x.size}/{x.capacity} {t(`unit.${x.unit}`)}
                  {x.segments > 1 && <> · {t('preview.segments', { n: x.segments })}</>}
                  {x.truncated && <> · <em>{t('preview.truncated')}</em></>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
