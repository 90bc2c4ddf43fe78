import { el } from './dom';

export interface LoginViewOptions {
  /** Shown above the form, e.g. after a session expired. */
  notice?: string;
  onSubmit(username: string, password: string): Promise<string | undefined>;
}

/** The sign-in form. `onSubmit` resolves to an error message to show, or undefined on success. */
export function renderLogin(options: LoginViewOptions): HTMLElement {
  const username = el('input', {
    id: 'username',
    name: 'username',
    autocomplete: 'username',
    required: '',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const password = el('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: '',
  });
  const message = el('p', { class: 'form-error', role: 'alert', 'aria-live': 'assertive' });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = el(
    'form',
    { class: 'login-form', novalidate: '' },
    el('h1', {}, 'Circulator'),
    el('p', { class: 'subtitle' }, 'Operating room board'),
    options.notice !== undefined && el('p', { class: 'notice', role: 'status' }, options.notice),
    el('label', { for: 'username' }, 'Username'),
    username,
    el('label', { for: 'password' }, 'Password'),
    password,
    message,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (username.value.trim() === '' || password.value === '') {
      message.textContent = 'Enter your username and password.';
      return;
    }
    submit.disabled = true;
    message.textContent = '';
    const secret = password.value;
    password.value = '';
    options
      .onSubmit(username.value.trim(), secret)
      .then((error) => {
        if (error !== undefined) {
          message.textContent = error;
          password.focus();
        }
      })
      .catch((error: unknown) => {
        message.textContent = error instanceof Error ? error.message : 'Sign-in failed.';
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  queueMicrotask(() => username.focus());
  return el('main', { class: 'login' }, form);
}
