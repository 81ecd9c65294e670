/** The qualification statuses a contact may have (the table's check says so too). */
export const STATUSES = ['new', 'engaged', 'qualified', 'disqualified', 'customer'] as const;
export type QualificationStatus = (typeof STATUSES)[number];

/** What a contact's warmth may be (the table's check says so too). */
export const WARMTHS = ['cold', 'warm', 'hot'] as const;

/** How a contact prefers to be reached: the channels consent is kept for, and the post. */
export const CHANNELS = ['email', 'phone', 'sms', 'whatsapp', 'post'] as const;

/** The range of a lead score (the table's check says so too). */
export const LEAD_SCORE = { min: 0, max: 100 } as const;
