// The demo's bank picker: search the bank directory, show the application's token for the chosen bank (its
// fingerprint, never the token), send a sample payment request and show the bank's answer or the typed error.
// Every URL is relative to the page, so the page works under any context root.
(function () {
    'use strict';

    // Long enough to skip the requests of a word still being typed, short enough to feel immediate.
    var SEARCH_DELAY_MS = 250;
    var NETWORKS = {
        BANQUE_POPULAIRE: 'Banque Populaire',
        CAISSE_EPARGNE: "Caisse d'Epargne",
        OTHER: 'Other BPCE'
    };

    var api = new URL('api/', document.baseURI);
    var el = {};
    var searchTimer = null;
    var searchController = null;
    var selected = null;
    // Answers can arrive out of order: only the latest request of each kind may change the page.
    var searchSeq = 0;
    var tokenSeq = 0;
    var paymentSeq = 0;

    document.addEventListener('DOMContentLoaded', function () {
        [
            'bank-search-form', 'bank-search', 'network-filter', 'results-status', 'bank-results', 'results-empty',
            'empty-query', 'panel-empty', 'panel-bank', 'selected-name', 'selected-meta', 'selected-note',
            'token-status', 'token-type', 'token-scope', 'token-expiry', 'token-fingerprint', 'token-error',
            'send-payment', 'payment-outcome'
        ].forEach(function (id) {
            el[id] = document.getElementById(id);
        });

        el['bank-search-form'].addEventListener('submit', function (event) {
            event.preventDefault();
            searchNow();
        });
        el['bank-search'].addEventListener('input', searchSoon);
        el['bank-search'].addEventListener('keydown', function (event) {
            if (event.key === 'ArrowDown') {
                var first = el['bank-results'].querySelector('button');
                if (first) {
                    event.preventDefault();
                    first.focus();
                }
            }
        });
        el['network-filter'].addEventListener('change', searchNow);
        el['bank-results'].addEventListener('keydown', moveInList);
        el['send-payment'].addEventListener('click', sendPayment);

        searchNow();
    });

    // ---- Search ------------------------------------------------------------------------------------------

    function searchSoon() {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(searchNow, SEARCH_DELAY_MS);
    }

    function searchNow() {
        clearTimeout(searchTimer);
        if (searchController) {
            searchController.abort();
        }
        searchController = new AbortController();
        var seq = ++searchSeq;
        var query = el['bank-search'].value.trim();
        var network = el['network-filter'].value;
        var url = new URL('banks', api);
        if (query) {
            url.searchParams.set('q', query);
        }
        if (network) {
            url.searchParams.set('network', network);
        }
        el['bank-results'].setAttribute('aria-busy', 'true');
        call('GET', url, searchController.signal).then(function (reply) {
            if (seq !== searchSeq) {
                return;
            }
            el['bank-results'].setAttribute('aria-busy', 'false');
            if (reply.ok && Array.isArray(reply.json)) {
                showBanks(reply.json, query);
            } else {
                showSearchError(reply);
            }
        }, function (error) {
            if (error.name !== 'AbortError' && seq === searchSeq) {
                el['bank-results'].setAttribute('aria-busy', 'false');
                showSearchError(null);
            }
        });
    }

    function showBanks(banks, query) {
        var list = el['bank-results'];
        list.replaceChildren();
        banks.forEach(function (bank) {
            list.appendChild(bankItem(bank));
        });
        el['results-empty'].hidden = banks.length > 0;
        el['empty-query'].textContent = query || networkName(el['network-filter'].value);
        el['results-status'].textContent = banks.length === 0 ? 'No bank found.'
            : banks.length === 1 ? '1 bank found.' : banks.length + ' banks found.';
        el['results-status'].classList.remove('is-error');
    }

    function showSearchError(reply) {
        el['bank-results'].replaceChildren();
        el['results-empty'].hidden = true;
        el['results-status'].textContent = reply && reply.json && reply.json.message
            ? reply.json.message : 'The bank directory cannot be reached. Is the demo application running?';
        el['results-status'].classList.add('is-error');
    }

    function bankItem(bank) {
        var button = node('button', 'bank-option');
        button.type = 'button';
        button.dataset.bkcode = bank.bkcode;
        button.setAttribute('aria-pressed', String(selected !== null && selected.bkcode === bank.bkcode));
        button.addEventListener('click', function () {
            select(bank);
        });

        var main = node('span', 'bank-main');
        main.appendChild(node('span', 'bank-name', bank.name));
        var details = node('span', 'bank-details');
        if (bank.shortName) {
            details.appendChild(node('span', 'bank-short', bank.shortName));
        }
        details.appendChild(node('span', 'badge network-' + bank.network.toLowerCase(), networkName(bank.network)));
        main.appendChild(details);
        button.appendChild(main);

        var code = node('span', 'bank-code');
        code.appendChild(node('span', 'visually-hidden', 'bank code '));
        code.appendChild(document.createTextNode(bank.bkcode));
        button.appendChild(code);

        var item = node('li');
        item.appendChild(button);
        return item;
    }

    // Arrow keys move between the banks of the list; the search box is above the first one.
    function moveInList(event) {
        if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') {
            return;
        }
        var buttons = Array.prototype.slice.call(el['bank-results'].querySelectorAll('button'));
        var index = buttons.indexOf(document.activeElement);
        if (index < 0) {
            return;
        }
        event.preventDefault();
        if (event.key === 'ArrowDown' && index < buttons.length - 1) {
            buttons[index + 1].focus();
        } else if (event.key === 'ArrowUp') {
            (index > 0 ? buttons[index - 1] : el['bank-search']).focus();
        }
    }

    // ---- Selected bank and its token ---------------------------------------------------------------------

    function select(bank) {
        selected = bank;
        el['bank-results'].querySelectorAll('button').forEach(function (button) {
            button.setAttribute('aria-pressed', String(button.dataset.bkcode === bank.bkcode));
        });
        el['panel-empty'].hidden = true;
        el['panel-bank'].hidden = false;
        el['panel-bank'].dataset.bkcode = bank.bkcode;
        el['selected-name'].textContent = bank.name;
        el['selected-meta'].textContent = [bank.shortName, networkName(bank.network), 'bank code ' + bank.bkcode]
            .filter(Boolean).join(' · ');
        el['selected-note'].textContent = bank.note || '';
        el['selected-note'].hidden = !bank.note;
        el['payment-outcome'].replaceChildren();
        // On a narrow screen the panel is below the list: bring it into view without taking the focus.
        if (window.matchMedia('(max-width: 860px)').matches) {
            document.getElementById('bank-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
        }
        loadToken(bank.bkcode);
    }

    function loadToken(bkcode) {
        var seq = ++tokenSeq;
        showToken(null);
        el['token-status'].hidden = false;
        el['token-error'].hidden = true;
        el['token-status'].setAttribute('aria-busy', 'true');
        el['token-status'].classList.add('is-loading');
        call('GET', new URL('banks/' + encodeURIComponent(bkcode) + '/token', api)).then(function (reply) {
            if (seq !== tokenSeq) {
                return;
            }
            el['token-status'].setAttribute('aria-busy', 'false');
            el['token-status'].classList.remove('is-loading');
            if (reply.ok && reply.json) {
                showToken(reply.json);
            } else {
                showTokenError(errorView(reply, 'No token'));
            }
        }, function () {
            if (seq === tokenSeq) {
                el['token-status'].setAttribute('aria-busy', 'false');
                el['token-status'].classList.remove('is-loading');
                showTokenError(unreachableView());
            }
        });
    }

    // The typed error replaces the token facts: there is no token to describe.
    function showTokenError(view) {
        el['token-status'].hidden = true;
        el['token-error'].replaceChildren(view);
        el['token-error'].hidden = false;
    }

    function showToken(token) {
        el['token-type'].textContent = token ? token.tokenType : '–';
        el['token-scope'].textContent = token ? token.scope : '–';
        el['token-fingerprint'].textContent = token ? token.fingerprint : '–';
        el['token-expiry'].replaceChildren(token ? expiryView(token.expiresAt) : document.createTextNode('–'));
    }

    function expiryView(iso) {
        var at = new Date(iso);
        if (isNaN(at.getTime())) {
            return document.createTextNode(iso);
        }
        var time = node('time', null, at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }));
        time.dateTime = iso;
        time.title = iso;
        var wrap = node('span');
        wrap.appendChild(time);
        wrap.appendChild(node('span', 'muted', ' (' + relative(at.getTime() - Date.now()) + ')'));
        return wrap;
    }

    function relative(ms) {
        var minutes = Math.round(ms / 60000);
        if (minutes <= 0) {
            return 'expired';
        }
        if (minutes < 90) {
            return 'in ' + minutes + ' min';
        }
        return 'in ' + Math.round(minutes / 60) + ' h';
    }

    // ---- Payment -----------------------------------------------------------------------------------------

    function sendPayment() {
        if (!selected) {
            return;
        }
        var seq = ++paymentSeq;
        var button = el['send-payment'];
        var outcome = el['payment-outcome'];
        button.disabled = true;
        button.textContent = 'Sending…';
        outcome.setAttribute('aria-busy', 'true');
        outcome.replaceChildren();
        var bkcode = selected.bkcode;
        call('POST', new URL('banks/' + encodeURIComponent(bkcode) + '/payment-requests', api)).then(function (reply) {
            if (seq === paymentSeq) {
                outcome.replaceChildren(paymentView(reply));
            }
        }, function () {
            if (seq === paymentSeq) {
                outcome.replaceChildren(unreachableView());
            }
        }).then(function () {
            if (seq === paymentSeq) {
                button.disabled = false;
                button.textContent = 'Send demo payment';
                outcome.setAttribute('aria-busy', 'false');
            }
        });
    }

    // The demo answers {bank, status, location, body} when the bank answered, or {error, bank, message} when the
    // library refused or failed before the bank could answer.
    function paymentView(reply) {
        var answer = reply.json;
        if (!answer || typeof answer.status !== 'number') {
            return errorView(reply, 'Payment not sent');
        }
        var body = parseJson(answer.body);
        var created = answer.status === 201;
        var box = node('div', 'outcome ' + (created ? 'outcome-ok' : 'outcome-error'));
        box.dataset.status = String(answer.status);
        var head = node('p', 'outcome-head');
        head.appendChild(node('span', 'status-code', String(answer.status)));
        head.appendChild(node('span', 'outcome-title', created ? 'Payment request created'
            : 'The bank refused the payment request'));
        box.appendChild(head);

        if (created && body) {
            var facts = node('dl', 'facts');
            var id = node('code', null, body.paymentRequestResourceId || '–');
            id.id = 'payment-resource-id';
            facts.appendChild(fact('paymentRequestResourceId', id));
            var href = body._links && body._links.consentApproval && body._links.consentApproval.href;
            if (href && /^https:\/\//.test(href)) {
                var link = node('a', null, 'Open the bank\u2019s consent page');
                link.href = href;
                link.rel = 'noopener noreferrer';
                link.target = '_blank';
                link.id = 'consent-link';
                facts.appendChild(fact('PSU consent', link));
            }
            if (answer.location) {
                facts.appendChild(fact('Location', node('code', 'wrap-anywhere', answer.location)));
            }
            box.appendChild(facts);
            box.appendChild(node('p', 'hint', 'Next, the PSU approves the payment at the bank (redirect approach).'));
        } else {
            box.appendChild(node('pre', 'raw', answer.body || '(empty body)'));
        }
        return box;
    }

    // ---- Shared views and helpers ------------------------------------------------------------------------

    function errorView(reply, fallbackTitle) {
        var json = reply.json || {};
        var box = node('div', 'outcome outcome-error');
        box.dataset.status = String(reply.status);
        var head = node('p', 'outcome-head');
        head.appendChild(node('span', 'status-code', String(reply.status)));
        head.appendChild(node('span', 'outcome-title error-name', json.error || fallbackTitle));
        box.appendChild(head);
        box.appendChild(node('p', 'error-message', json.message || reply.text || 'No details.'));
        return box;
    }

    function unreachableView() {
        var box = node('div', 'outcome outcome-error');
        box.appendChild(node('p', 'outcome-head', 'The demo application cannot be reached.'));
        return box;
    }

    function fact(label, value) {
        var row = node('div');
        row.appendChild(node('dt', null, label));
        var dd = node('dd');
        dd.appendChild(value);
        row.appendChild(dd);
        return row;
    }

    function call(method, url, signal) {
        return fetch(url, { method: method, headers: { Accept: 'application/json' }, signal: signal })
            .then(function (response) {
                return response.text().then(function (text) {
                    return { ok: response.ok, status: response.status, text: text, json: parseJson(text) };
                });
            });
    }

    function parseJson(text) {
        try {
            return text ? JSON.parse(text) : null;
        } catch (e) {
            return null;
        }
    }

    function networkName(network) {
        return NETWORKS[network] || network || '';
    }

    // Text only: every value from the server goes in through textContent, never as HTML.
    function node(tag, className, text) {
        var element = document.createElement(tag);
        if (className) {
            element.className = className;
        }
        if (text !== undefined) {
            element.textContent = text;
        }
        return element;
    }
})();
