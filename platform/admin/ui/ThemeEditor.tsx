import React, { useEffect, useState } from 'react';
import { Box, Button, H2, H4, Input, Label, Text } from '@adminjs/design-system';
import type { Theme, ThemeReply } from '../studio/shapes';
import { confirmReach, studio, useStudio } from './api';
import Notice, { useActions } from './Notice';

/** The colour tokens offered here (the theme may hold others; they are kept). */
const TOKENS: { key: string; label: string; fallback: string }[] = [
  { key: 'primary100', label: 'Primary', fallback: '#3040d6' },
  { key: 'primary80', label: 'Primary, lighter', fallback: '#4d5fd9' },
  { key: 'primary60', label: 'Primary, light', fallback: '#6b7de3' },
  { key: 'accent', label: 'Accent', fallback: '#38cac1' },
  { key: 'love', label: 'Highlight', fallback: '#e6282b' },
  { key: 'grey100', label: 'Text', fallback: '#0c1e29' },
];

/** Reads a chosen image as a data: URL, which the theme stores and the content policy admits. */
const asDataUrl = (file: File): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () =>
      typeof reader.result === 'string'
        ? resolve(reader.result)
        : reject(new Error(`${file.name} could not be read as an image`));
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });

/** The theme editor: company name, logo, favicon and colours, with a preview; publishing applies it to this workspace. */
const ThemeEditor: React.FC = () => {
  const { data, error, reload } = useStudio<ThemeReply>('theme');
  const [draft, setDraft] = useState<Theme | null>(null);
  const { notice, clear, run, fail } = useActions(reload);

  useEffect(() => {
    if (data) setDraft(data.theme ?? { key: 'workspace', name: 'Theme', branding: { companyName: '' }, colors: {} });
  }, [data]);

  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!data || !draft) return <Text>Loading…</Text>;

  const color = (key: string) => draft.colors?.[key] ?? TOKENS.find((t) => t.key === key)!.fallback;
  const setBranding = (patch: Partial<Theme['branding']>) => setDraft({ ...draft, branding: { ...draft.branding, ...patch } });
  const pickImage = async (field: 'logo' | 'favicon', file: File | undefined) => {
    if (file) setBranding({ [field]: await asDataUrl(file) });
  };

  const publish = async () => {
    if (!(await confirmReach('Publishing this theme'))) return;
    const { key: _key, ...body } = draft;
    return run(() => studio('theme', 'PUT', body), 'Published: reload the page to see the new branding.');
  };
  const revert = () =>
    window.confirm("Revert to the inherited theme? This workspace's own theme is deleted.") &&
    run(() => studio('theme', 'DELETE'), 'Reverted: the inherited theme applies from the next page load.');

  return (
    <Box variant="grey">
      <Box variant="white">
        <H2>Theme editor</H2>
        <Text mb="lg">
          Now applied: {data.source === 'own' ? "this workspace's own theme" : `inherited from the ${data.source}`}.
        </Text>
        <Notice notice={notice} onClose={clear} />
        <Box flex flexDirection="row" style={{ gap: 40 }}>
          <Box width={420}>
            <Label htmlFor="company-name">Company name</Label>
            <Input
              id="company-name"
              data-testid="theme-company"
              width={1}
              value={draft.branding.companyName}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setBranding({ companyName: e.target.value })}
            />
            <Label mt="lg" htmlFor="logo">
              Logo (an image, stored with the theme)
            </Label>
            <input
              id="logo"
              type="file"
              accept="image/*"
              onChange={(e) => void pickImage('logo', e.target.files?.[0]).catch(fail)}
            />
            {draft.branding.logo && (
              <Button size="sm" variant="text" onClick={() => setBranding({ logo: undefined })}>
                Remove logo
              </Button>
            )}
            <Label mt="lg" htmlFor="favicon">
              Favicon
            </Label>
            <input
              id="favicon"
              type="file"
              accept="image/*"
              onChange={(e) => void pickImage('favicon', e.target.files?.[0]).catch(fail)}
            />
            <H4 mt="xl">Colours</H4>
            {TOKENS.map((token) => (
              <Box key={token.key} flex alignItems="center" style={{ gap: 12 }} mb="sm">
                <input
                  type="color"
                  id={`theme-color-${token.key}`}
                  data-testid={`theme-color-${token.key}`}
                  value={color(token.key)}
                  onChange={(e) => setDraft({ ...draft, colors: { ...draft.colors, [token.key]: e.target.value } })}
                />
                <Label htmlFor={`theme-color-${token.key}`} mb={0}>
                  {token.label}
                </Label>
              </Box>
            ))}
          </Box>
          <Box flexGrow={1}>
            <H4>Preview</H4>
            <Box
              data-testid="theme-preview"
              style={{ border: '1px solid #ddd', borderRadius: 4, overflow: 'hidden', maxWidth: 480 }}
            >
              <Box p="lg" style={{ background: '#fff', borderBottom: '1px solid #eee' }} flex alignItems="center">
                {draft.branding.logo ? (
                  <img src={draft.branding.logo} alt={draft.branding.companyName} style={{ maxHeight: 40 }} />
                ) : (
                  <Text fontWeight="bold" style={{ color: color('grey100') }}>
                    {draft.branding.companyName || '(no company name)'}
                  </Text>
                )}
              </Box>
              <Box p="lg">
                <Text style={{ color: color('grey100') }} mb="default">
                  Contacts
                </Text>
                {/* A picture of a button, not one: nothing for Tab to stop at. */}
                <span
                  style={{
                    background: color('primary100'),
                    color: '#fff',
                    padding: '8px 16px',
                    borderRadius: 4,
                    display: 'inline-block',
                  }}
                >
                  Create new
                </span>{' '}
                {/* Swatches beside dark text: an accent need not be readable as text to be a good accent. */}
                {(['accent', 'love'] as const).map((key) => (
                  <Text as="span" key={key} ml="default" style={{ color: color('grey100') }}>
                    <span
                      aria-hidden="true"
                      style={{
                        display: 'inline-block',
                        width: 12,
                        height: 12,
                        borderRadius: 2,
                        marginRight: 4,
                        background: color(key),
                      }}
                    />
                    {key === 'accent' ? 'Accent' : 'Highlight'}
                  </Text>
                ))}
              </Box>
            </Box>
          </Box>
        </Box>
        <Box flex style={{ gap: 12 }} mt="xl">
          <Button variant="contained" data-testid="theme-publish" onClick={publish}>
            Publish
          </Button>
          {data.source === 'own' && (
            <Button variant="outlined" onClick={revert}>
              Revert to inherited
            </Button>
          )}
        </Box>
      </Box>
    </Box>
  );
};

export default ThemeEditor;
