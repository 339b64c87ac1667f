// Destructive forms carry data-confirm="question"; the browser asks before they are sent. A file, not inline
// onsubmit handlers, because the pages' Content-Security-Policy allows scripts from 'self' only.
document.addEventListener('submit', event => {
    const question = event.target instanceof HTMLFormElement ? event.target.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
        event.preventDefault();
    }
});
