// Modal questions: "delete this note?" and "which API token?". Native
// <dialog> elements give focus trapping, Escape to cancel and the right
// semantics for screen readers; text is always set as text.

/**
 * Ask for confirmation. Resolves true only if the confirming button was
 * pressed; Escape, Cancel, or closing the dialog otherwise mean no.
 */
export function confirmAction(dialog, { heading, text, confirmLabel }) {
  dialog.querySelector('#confirm-heading').textContent = heading;
  dialog.querySelector('#confirm-text').textContent = text;
  const ok = dialog.querySelector('#confirm-ok');
  const cancel = dialog.querySelector('#confirm-cancel');
  ok.textContent = confirmLabel;
  return new Promise((resolve) => {
    const onOk = () => dialog.close('confirm');
    const onCancel = () => dialog.close('cancel');
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener(
      'close',
      () => {
        ok.removeEventListener('click', onOk);
        cancel.removeEventListener('click', onCancel);
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    cancel.focus(); // the safe choice is the default one
  });
}

/**
 * A function that asks for the API token and stores it; calls made while
 * the dialog is open share its answer, so one prompt serves every request
 * that met a 401 at the same time.
 */
export function tokenPrompt(dialog, store) {
  const form = dialog.querySelector('#token-form');
  const input = dialog.querySelector('#token-input');
  const error = dialog.querySelector('#token-error');
  let pending = null;

  return function ask(rejected) {
    if (pending) return pending;
    pending = new Promise((resolve) => {
      error.textContent = rejected ? 'The server did not accept that token. Try again.' : '';
      input.value = '';
      const onSubmit = (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (!token) {
          error.textContent = 'Enter the token to continue.';
          input.focus();
          return;
        }
        store.set(token);
        input.value = '';
        dialog.close('token');
      };
      form.addEventListener('submit', onSubmit);
      dialog.addEventListener(
        'close',
        () => {
          form.removeEventListener('submit', onSubmit);
          pending = null;
          resolve(dialog.returnValue === 'token');
        },
        { once: true },
      );
      dialog.returnValue = '';
      dialog.showModal();
      input.focus();
    });
    return pending;
  };
}
