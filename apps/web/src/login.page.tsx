import { useEffect, useRef, useState, type FormEvent } from 'react';

export interface LoginPageProps {
  /** Shown above the form, e.g. after a session expired. */
  notice?: string;
  /** Resolves to an error message to show, or undefined on success. */
  onSignIn: (username: string, password: string) => Promise<string | undefined>;
  /** Where "Sign in with your hospital account" leads, when the server offers it (OIDC). */
  oidcLoginUrl?: string;
}

/** The sign-in form. The password leaves the form's state as soon as it is sent. */
export function LoginPage({ notice, onSignIn, oidcLoginUrl }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Circulator';
    usernameRef.current?.focus();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = username.trim();
    if (name === '' || password === '') {
      setMessage('Enter your username and password.');
      return;
    }
    const secret = password;
    setPassword('');
    setMessage('');
    setBusy(true);
    onSignIn(name, secret)
      .then((error) => {
        if (error !== undefined) {
          setMessage(error);
          passwordRef.current?.focus();
        }
      })
      .catch((error: unknown) => setMessage(error instanceof Error ? error.message : 'Sign-in failed.'))
      .finally(() => setBusy(false));
  };

  return (
    <main className="login">
      <form className="login-form" noValidate onSubmit={submit}>
        <h1>Circulator</h1>
        <p className="subtitle">Operating room platform</p>
        {notice !== undefined && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          ref={usernameRef}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          ref={passwordRef}
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p className="form-error" role="alert" aria-live="assertive">
          {message}
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        {oidcLoginUrl !== undefined && (
          // A plain link: the server answers it with the redirect to the identity provider.
          <a className="button oidc-sign-in" href={oidcLoginUrl}>
            Sign in with your hospital account
          </a>
        )}
      </form>
    </main>
  );
}
