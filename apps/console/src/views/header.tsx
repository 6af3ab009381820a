import type { Lang, T } from '../i18n';
import type { LiveState } from '../api/live';
import type { Me } from '../model/types';

/** Who is signed in (role and scope), whether the live stream is up, language and sign-out. */
export function Header(props: { t: T; me: Me; live: LiveState; lang: Lang; onLang: () => void; onSignOut: () => void }) {
  const { t, me } = props;
  const roleKey = `who.role.${me.role}` as 'who.role.console';
  return (
    <header class="top">
      <h1>{t('app.title')}</h1>
      <span class="who" data-testid="who">
        <b>{me.name}</b> · {t(roleKey)} · {t('who.scope')}: <span data-testid="scope">{me.areas === null ? t('who.scope.all') : me.areas.map((a) => a.name).join('、')}</span>
      </span>
      <span class={`live live-${props.live}`} data-testid="live" aria-live="polite">{t(`live.${props.live}`)}</span>
      <button type="button" onClick={props.onLang} data-testid="lang">{t('lang.switch')}</button>
      <button type="button" onClick={props.onSignOut} data-testid="signout">{t('signout')}</button>
    </header>
  );
}
