import { useState } from 'preact/hooks';
import { saveLang, savedLang, translator, type Lang } from './i18n';
import type { Me } from './model/types';
import { Console } from './views/console';
import { SignIn } from './views/sign-in';

const TOKEN = 'lifeline.token';
const DRILL_TOKEN = 'lifeline.drillToken';

/** Signed out: the sign-in form; signed in: the console. Tokens live in this tab's sessionStorage only. */
export function App() {
  const [lang, setLang] = useState<Lang>(savedLang());
  const [session, setSession] = useState<{ token: string; me: Me } | null>(null);
  /** Why the console signed out by itself (the token was revoked): shown on the sign-in form. */
  const [notice, setNotice] = useState<string | null>(null);
  const t = translator(lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  const switchLang = () => {
    const next = lang === 'zh' ? 'en' : 'zh';
    saveLang(next);
    setLang(next);
  };
  if (!session)
    return (
      <SignIn
        t={t}
        saved={sessionStorage.getItem(TOKEN)}
        notice={notice}
        onSignedIn={(token, me) => {
          sessionStorage.setItem(TOKEN, token);
          setNotice(null);
          setSession({ token, me });
        }}
      />
    );
  return (
    <Console
      t={t}
      lang={lang}
      onLang={switchLang}
      token={session.token}
      me={session.me}
      drillToken={sessionStorage.getItem(DRILL_TOKEN)}
      onDrillToken={(tok) => sessionStorage.setItem(DRILL_TOKEN, tok)}
      onSignOut={(why) => {
        sessionStorage.removeItem(TOKEN);
        sessionStorage.removeItem(DRILL_TOKEN);
        setNotice(why === 'revoked' ? t('err.unauthorized') : null);
        setSession(null);
      }}
    />
  );
}
