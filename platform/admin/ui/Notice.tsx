import React, { useState } from 'react';
import { MessageBox } from '@adminjs/design-system';

export interface NoticeState {
  variant: 'success' | 'danger' | 'info';
  message: string;
}

/**
 * Held in the window, below the top bar: seen after Save or Publish at the foot of a long page as
 * well as at its top, without covering the buttons at the foot.
 */
const TOAST: React.CSSProperties = {
  position: 'fixed',
  right: 16,
  top: 72,
  zIndex: 1000,
  width: 'min(480px, calc(100vw - 32px))',
  boxShadow: '0 4px 16px rgba(0, 0, 0, 0.2)',
};

/** The outcome of the last action on a studio page, as a toast; errors carry the server's words. */
const Notice: React.FC<{ notice: NoticeState | null; onClose: () => void }> = ({ notice, onClose }) =>
  notice ? (
    <div style={TOAST} role={notice.variant === 'danger' ? 'alert' : 'status'}>
      <MessageBox variant={notice.variant} message={notice.message} onCloseClick={onClose} data-testid="notice" />
    </div>
  ) : null;

/**
 * A page's notice and how its actions report into it: the success message, or the server's
 * refusal in its own words; after a success the page's data is loaded again.
 */
export function useActions(reload: () => void) {
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const fail = (err: unknown) => setNotice({ variant: 'danger', message: (err as Error).message });
  const run = async (call: () => Promise<unknown>, success: string) => {
    try {
      await call();
      setNotice({ variant: 'success', message: success });
      reload();
    } catch (err) {
      fail(err);
    }
  };
  return { notice, clear: () => setNotice(null), run, fail };
}

export default Notice;
