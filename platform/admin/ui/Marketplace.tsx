import React, { useState } from 'react';
import { Badge, Box, Button, H2, H4, Text } from '@adminjs/design-system';
import type { MarketplaceListing as Listing } from '../studio/shapes';
import { studio, useStudio } from './api';
import Notice, { useActions } from './Notice';
import SettingsForm from './SettingsForm';

const price = (p: Listing['pricing']): string =>
  p.model === 'free'
    ? 'Free'
    : `${p.amount ?? '?'} ${p.currency ?? ''} ${p.model === 'per_seat' ? 'per seat ' : ''}${p.interval ? `a ${p.interval}` : ''}${
        p.trialDays ? ` (${p.trialDays}-day trial)` : ''
      }`.trim();

/**
 * The marketplace: every module of the registry with its vendor, version, capabilities, price
 * and signature; enabling or disabling one for this workspace (installing it platform-wide is
 * an operator's `plinth plugin install`), and its settings form.
 */
const Marketplace: React.FC = () => {
  const { data, error, reload } = useStudio<Listing[]>('marketplace');
  const { notice, clear, run } = useActions(reload);
  const [open, setOpen] = useState<string | null>(null);

  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!data) return <Text>Loading…</Text>;

  const act = (module: Listing, action: 'enable' | 'disable', settings?: Record<string, unknown>) =>
    run(
      () =>
        studio(`marketplace/${encodeURIComponent(module.id)}/${action}`, 'POST', action === 'enable' ? { settings } : undefined),
      action === 'disable'
        ? `${module.name} is disabled here: its screens leave the menu on the next page load.`
        : `${module.name} is enabled here: its screens are in the menu from the next page load.`,
    );

  const confirmDisable = (module: Listing) =>
    window.confirm(
      `Disable ${module.name} in this workspace? Its screens leave the menu and it stops working here; its data stays.`,
    );

  return (
    <Box variant="grey">
      <Box variant="white">
        <H2>Marketplace</H2>
        <Notice notice={notice} onClose={clear} />
        {data.length === 0 && <Text>The registry is empty: an operator publishes and installs modules with the plinth CLI.</Text>}
        {data.map((module) => (
          <Box key={module.id} data-testid={`module-${module.id}`} mb="xl" pb="lg" style={{ borderBottom: '1px solid #eee' }}>
            {/* On a narrow screen the buttons go below the description rather than off the edge. */}
            <Box flex justifyContent="space-between" alignItems="center" style={{ flexWrap: 'wrap', columnGap: 16 }}>
              <Box style={{ flex: '1 1 280px', minWidth: 0 }}>
                <H4 mb="sm">
                  {module.name}{' '}
                  <Text as="span" variant="sm">
                    v{module.version} · {module.vendor}
                  </Text>
                </H4>
                <Text mb="sm">{module.description}</Text>
              </Box>
              <Box flex style={{ gap: 8, flexWrap: 'wrap' }} alignItems="center">
                {module.enabled && <Badge variant="success">Enabled</Badge>}
                {!module.installed && <Badge color="grey100">Not installed on this platform</Badge>}
                {module.installed && !module.enabled && (
                  <Button
                    variant="contained"
                    data-testid={`enable-${module.id}`}
                    onClick={() => act(module, 'enable', module.settings ?? undefined)}
                  >
                    Enable
                  </Button>
                )}
                {module.enabled && (
                  <Button
                    variant="outlined"
                    data-testid={`disable-${module.id}`}
                    onClick={() => confirmDisable(module) && act(module, 'disable')}
                  >
                    Disable
                  </Button>
                )}
                {module.settingsSchema && module.installed && (
                  <Button
                    variant="text"
                    aria-expanded={open === module.id}
                    aria-label={`${module.name} settings`}
                    data-testid={`settings-toggle-${module.id}`}
                    onClick={() => setOpen(open === module.id ? null : module.id)}
                  >
                    Settings
                  </Button>
                )}
              </Box>
            </Box>
            <Text variant="sm">
              Price: {price(module.pricing)} · Signature: {module.signature}
              {module.dependencies.length > 0 && ` · Needs: ${module.dependencies.join(', ')}`}
              {module.network.length > 0 && ` · Reaches: ${module.network.join(', ')}`}
            </Text>
            <Box flex style={{ gap: 6, flexWrap: 'wrap' }} mt="sm">
              {module.capabilities.map((c) => (
                <Badge key={c} size="sm" outline>
                  {c}
                </Badge>
              ))}
              {module.tags.map((t) => (
                <Badge key={t} size="sm" color="grey100">
                  {t}
                </Badge>
              ))}
            </Box>
            {open === module.id && module.settingsSchema && (
              <SettingsForm
                moduleId={module.id}
                schema={module.settingsSchema}
                value={module.settings}
                save={(settings) => studio(`marketplace/${encodeURIComponent(module.id)}/enable`, 'POST', { settings })}
                savedMessage={
                  module.enabled
                    ? `${module.name}'s settings are saved.`
                    : `${module.name} is enabled here with these settings: its screens are in the menu from the next page load.`
                }
                onSaved={reload}
              />
            )}
          </Box>
        ))}
      </Box>
    </Box>
  );
};

export default Marketplace;
