import { useEffect, useState } from 'preact/hooks';
import { Api } from '../api/http';
import type { T } from '../i18n';
import type { Me } from '../model/types';
import { explain } from './explain';

/** Sign-in with a token; the token lives in this tab's sessionStorage only. */
export function SignIn(props: { t: T; saved: string | null; notice?: string | null; onSignedIn: (token: string, me: Me) => void }) {
  const { t } = props;
  const [token, setToken] = useState(props.saved ?? '');
  const [error, setError] = useState<string | null>(props.notice ?? null);
  const [busy, setBusy] = useState(false);

  const signIn = async (value: string) => {
    setBusy(true);
    setError(null);
    try {
      const me = await new Api(value).get<Me>('/api/me');
      props.onSignedIn(value, me);
    } catch (e) {
      setError(explain(t, e));
    } finally {
      setBusy(false);
    }
  };
  // A token saved earlier in this tab signs in again after a reload.
  useEffect(() => void (props.saved && signIn(props.saved)), []);

  return (
    <main class="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) void signIn(token.trim());
        }}
      >
        <h1>{t('app.title')}</h1>
        <h2>{t('signin.title')}</h2>
        <label>
          {t('signin.token')}
          <input data-testid="signin-token" type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} autoFocus />
        </label>
        <p class="hint">{t('signin.hint')}</p>
        {error && <p class="error" role="alert" data-testid="signin-error">{error}</p>}
        <button type="submit" disabled={busy} data-testid="signin-submit">{t('signin.submit')}</button>
      </form>
    </main>
  );
}
