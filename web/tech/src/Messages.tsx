import { useState } from 'react';
import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import type { OutboxItem } from './db';
import { fmt } from './format';
import { enqueue, STATE_LABEL, syncOutbox } from './sync';

type Message = WorkOrderT['messages'][number];

/** The office's question still waiting for the crew: an info request after which no one here replied. */
export const openQuestion = (messages: Message[], pending: OutboxItem[]): Message | undefined => {
  const lastAsk = messages.findLastIndex((m) => m.kind === 'info_request' && !m.fromMe);
  if (lastAsk < 0) return undefined;
  const answered = messages.slice(lastAsk + 1).some((m) => m.fromMe) || pending.length > 0;
  return answered ? undefined : messages[lastAsk];
};

/**
 * The job's conversation on the phone: the office's questions and comments (from the work orders, so they
 * read offline), and a reply that goes through the outbox like everything else: saved at once, sent when
 * there is a connection, recorded once however often it is retried.
 */
export const Messages = ({
  work,
  order,
  outbox,
}: {
  work: WorkOrdersT;
  order: WorkOrderT;
  outbox: OutboxItem[];
}) => {
  const tz = work.organization.timeZone;
  const j = order.job;
  const [text, setText] = useState('');
  const known = new Set(order.messages.map((m) => m.id));
  // Replies from this phone the last refresh did not bring back yet, with where they are.
  const pending = outbox.filter((o) => o.kind === 'message' && o.jobId === j.id && !known.has(o.id));
  const question = openQuestion(order.messages, pending);
  const when = (iso: string) =>
    fmt(iso, tz, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const send = async () => {
    const body = text.trim();
    if (!body) return;
    await enqueue({ id: crypto.randomUUID(), kind: 'message', jobId: j.id, jobNumber: j.number, text: body });
    setText('');
    void syncOutbox();
  };
  return (
    <section aria-label="Messages with the office" className="conversation">
      <h2>Messages with the office</h2>
      {question && (
        <p className="banner warn" role="alert">
          The office asks: {question.body}
        </p>
      )}
      {order.messages.length === 0 && pending.length === 0 ? (
        <p className="muted">No messages on this job.</p>
      ) : (
        <ul className="messages">
          {order.messages.map((m) => (
            <li key={m.id} className={m.fromMe ? 'mine' : 'theirs'}>
              <small>
                {m.author}
                {m.kind === 'info_request' ? ' asked' : ''} · {when(m.createdAt)}
              </small>
              <p>{m.body}</p>
            </li>
          ))}
          {pending.map((o) => (
            <li key={o.id} className="mine">
              <small>
                You · {STATE_LABEL[o.state]}
                {o.state === 'needs_attention' && o.reason ? `: ${o.reason}` : ''}
              </small>
              <p>{o.text}</p>
            </li>
          ))}
        </ul>
      )}
      <form
        aria-label="Reply to the office"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label htmlFor={`reply-${j.id}`}>{question ? 'Your answer' : 'Message the office'}</label>
        <textarea
          id={`reply-${j.id}`}
          rows={2}
          maxLength={4000}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={!text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
};
