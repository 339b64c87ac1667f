// Copy buttons: <button class="copy" data-copy="#selector"> copies that element's text and says so on the button.
document.querySelectorAll('button.copy[data-copy]').forEach(button => {
    button.addEventListener('click', async () => {
        const source = document.querySelector(button.dataset.copy);
        if (!source) {
            return;
        }
        const label = button.textContent;
        try {
            await navigator.clipboard.writeText(source.textContent);
            button.textContent = 'Copied';
        } catch {
            // No clipboard (plain http from another host): select the text so Ctrl+C works.
            const range = document.createRange();
            range.selectNodeContents(source);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            button.textContent = 'Selected: press Ctrl+C';
        }
        setTimeout(() => { button.textContent = label; }, 2000);
    });
});
