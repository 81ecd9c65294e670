import React, { useState } from 'react';
import { Box, Button, Label, Text, TextArea } from '@adminjs/design-system';
import type { WebFormProps } from '../studio/shapes';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The snippet a website pastes: the form's page in a frame, which needs nothing else from the site. */
export const embedSnippet = (url: string, title: string): string =>
  `<iframe src="${attribute(url)}" title="${attribute(title)}" style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>`;

/** A value inside a double-quoted attribute of the snippet: the title is the workspace's text. */
const attribute = (value: string): string => value.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Where people fill the form in: its page's address, to link to, and a snippet to paste into a
 * website. Copying needs no typing; where the browser refuses the clipboard, the text is selected.
 */
const FormShare: React.FC<{ webForm: WebFormProps; params: Record<string, unknown> }> = ({ webForm, params }) => {
  const [copied, setCopied] = useState('');
  const slug = text(params[webForm.slugColumn]);
  if (!slug) return null;
  const url = `${window.location.origin}${webForm.pageBase}${encodeURIComponent(slug)}`;
  const snippet = embedSnippet(url, text(params[webForm.titleColumn ?? '']) || slug);
  const inactive = webForm.activeColumn !== undefined && params[webForm.activeColumn] !== true;
  const copy = async (what: string, value: string, field: string) => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(`${what} copied.`);
    } catch {
      (document.getElementById(field) as HTMLInputElement | null)?.select();
      setCopied(`Press Ctrl+C (⌘C) to copy the ${what.toLowerCase()}.`);
    }
  };
  return (
    <Box mt="xl" mb="xl" data-testid="form-share">
      <Text as="h3" fontWeight="bold" mb="default">
        Share this form
      </Text>
      {inactive && (
        <Text color="error" mb="default" data-testid="form-inactive">
          This form is not active: its page says it is not found until you make it active.
        </Text>
      )}
      <Label htmlFor="form-url">Public address</Label>
      <Box flex style={{ gap: 8, flexWrap: 'wrap', alignItems: 'center' }} mb="lg">
        <input
          id="form-url"
          readOnly
          value={url}
          data-testid="form-url"
          style={{ flex: '1 1 260px', minWidth: 0, font: 'inherit', padding: 8 }}
        />
        <Button type="button" size="sm" onClick={() => copy('Address', url, 'form-url')}>
          Copy address
        </Button>
        <a href={url} target="_blank" rel="noopener noreferrer">
          Open the form
        </a>
      </Box>
      <Label htmlFor="form-embed">Embed on your website: paste this where the form should appear</Label>
      <TextArea id="form-embed" readOnly rows={3} width="100%" value={snippet} data-testid="form-embed" />
      <Box flex style={{ gap: 8, alignItems: 'center' }} mt="default">
        <Button type="button" size="sm" onClick={() => copy('Snippet', snippet, 'form-embed')}>
          Copy snippet
        </Button>
        <Text role="status">{copied}</Text>
      </Box>
    </Box>
  );
};

export default FormShare;
