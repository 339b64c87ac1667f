// Tables marked data-sortable sort by a column when its header is pressed, and the other way when pressed again.
// Headers opt in with data-sort="text" or "number"; a cell whose text is not its order (sizes, durations, times)
// carries data-sort-value. Sorting is in the page only: the server's order (newest first) is what loads.
document.querySelectorAll('table[data-sortable]').forEach(table => {
    const headers = Array.from(table.tHead.rows[0].cells);
    const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    headers.forEach((th, index) => {
        const kind = th.dataset.sort;
        if (!kind) {
            return;
        }
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'sort';
        button.textContent = th.textContent;
        button.title = 'Sort by ' + th.textContent.toLowerCase();
        th.replaceChildren(button);
        button.addEventListener('click', () => {
            const ascending = th.getAttribute('aria-sort') !== 'ascending';
            headers.forEach(h => h.removeAttribute('aria-sort'));
            th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
            const key = row => {
                const cell = row.cells[index];
                const text = cell ? (cell.dataset.sortValue ?? cell.textContent.trim()) : '';
                return kind === 'number' ? Number(text) : text;
            };
            const body = table.tBodies[0];
            const rows = Array.from(body.rows);
            rows.sort((a, b) => {
                const order = kind === 'number' ? key(a) - key(b) : collator.compare(key(a), key(b));
                return ascending ? order : -order;
            });
            body.append(...rows);
        });
    });
});
