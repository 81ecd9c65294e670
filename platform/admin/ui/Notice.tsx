import React, { useState } from 'react';
import { MessageBox } from '@adminjs/design-system';

export interface NoticeState {
  variant: 'success' | 'danger' | 'info';
  message: string;
}

/** The outcome of the last action on a studio page; errors carry the server's words. */
const Notice: React.FC<{ notice: NoticeState | null; onClose: () => void }> = ({ notice, onClose }) =>
  notice ? (
    <MessageBox mb="lg" variant={notice.variant} message={notice.message} onCloseClick={onClose} data-testid="notice" />
  ) : null;

/**
 * A page's notice and how its actions report into it: the success message, or the server's
 * refusal in its own words; after a success the page's data is loaded again.
 */
export function useActions(reload: () => void) {
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const run = async (call: () => Promise<unknown>, success: string) => {
    try {
      await call();
      setNotice({ variant: 'success', message: success });
      reload();
    } catch (err) {
      setNotice({ variant: 'danger', message: (err as Error).message });
    }
  };
  return { notice, clear: () => setNotice(null), run };
}

export default Notice;
