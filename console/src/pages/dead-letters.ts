import { el, table, timeOfDay } from '../dom.js';
import { describeError } from '../graph.js';
import { poll, type Page } from '../page.js';

const INTERVAL_MS = 2000;

const DEAD_LETTERS = `query ConsoleDeadLetters {
  deadLetters { id consumer domain topic eventId correlationId errorName errorMessage deliveries lastFailedAt }
}`;
const REPLAY = `mutation ConsoleReplayDeadLetter($id: ID!) { replayDeadLetter(id: $id) { id } }`;

interface DeadLetter {
  readonly id: string;
  readonly consumer: string;
  readonly domain: string | null;
  readonly topic: string;
  readonly eventId: string;
  readonly correlationId: string;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly deliveries: number;
  readonly lastFailedAt: string;
}

/**
 * Every consumer's dead letters, oldest first, refreshed every two seconds, each with why it
 * failed and a Replay button. Replaying needs events:replay (admins): the gateway's refusal
 * (FORBIDDEN for an analyst) is shown on the letter's row. A replayed letter leaves the list.
 */
export const deadLettersPage: Page = (root, { graph, say }) => {
  const list = el('div', { id: 'dead-letters' });
  const outcomes = new Map<string, string>();
  root.append(
    el('h2', {}, 'Dead letters'),
    el('p', { class: 'hint' }, 'Events a consumer gave up on. Fix the cause, then replay: the consumer takes the event again, once.'),
    list,
  );

  const replay = async (letter: DeadLetter) => {
    outcomes.set(letter.id, 'replaying…');
    render(latest);
    try {
      await graph(REPLAY, { id: letter.id });
      outcomes.set(letter.id, 'replayed');
      say('');
    } catch (error) {
      outcomes.set(letter.id, describeError(error));
      say(`Replay refused: ${describeError(error)}`);
    }
    render(latest);
  };

  let latest: readonly DeadLetter[] = [];
  const render = (letters: readonly DeadLetter[]) => {
    latest = letters;
    if (letters.length === 0) {
      list.replaceChildren(el('p', { class: 'empty', 'data-empty': 'true' }, 'No dead letters: every consumer is keeping up.'));
      return;
    }
    list.replaceChildren(
      table<DeadLetter>(
        [
          ['Failed', (letter) => timeOfDay(letter.lastFailedAt)],
          ['Consumer', (letter) => `${letter.consumer}${letter.domain ? ` (${letter.domain})` : ''}`],
          [
            'Event',
            (letter) =>
              el(
                'span',
                {},
                letter.topic,
                el('br'),
                el('a', { href: `#trace/${encodeURIComponent(letter.correlationId)}`, class: 'mono' }, letter.correlationId),
              ),
          ],
          ['Reason', (letter) => el('span', { 'data-field': 'reason' }, `${letter.errorName}: ${letter.errorMessage}`)],
          ['Tries', (letter) => String(letter.deliveries)],
          [
            '',
            (letter) => {
              const button = el('button', { type: 'button', 'data-action': 'replay' }, 'Replay');
              button.addEventListener('click', () => void replay(letter));
              return el('span', { class: 'actions' }, button, el('span', { 'data-field': 'outcome' }, outcomes.get(letter.id) ?? ''));
            },
          ],
        ],
        letters,
        (letter) => ({ 'data-letter-id': letter.id, 'data-event-id': letter.eventId, 'data-consumer': letter.consumer }),
      ),
    );
  };

  return poll(
    async () => render((await graph<{ deadLetters: DeadLetter[] }>(DEAD_LETTERS)).deadLetters),
    INTERVAL_MS,
    (error) => say(describeError(error)),
  );
};
