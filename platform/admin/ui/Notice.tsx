import React from 'react';
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

export default Notice;
