import React, { useEffect } from 'react';
import { Box, Text } from '@adminjs/design-system';
import { useSelector } from 'react-redux';
import { useLocation } from 'react-router';
import { ADMIN } from './api';

interface Session {
  email: string;
  role: string;
  workspaceSlug: string;
  workspaceName?: string;
}

interface State {
  resources: { id: string; name: string }[];
  pages: { name: string }[];
  locale: { language: string; translations: Record<string, { pages?: Record<string, string>; labels?: Record<string, string> }> };
}

const ACTIONS: Record<string, string> = { new: 'New', edit: 'Edit', show: 'Details', delete: 'Delete', timeline: 'Timeline' };

/** What the page at `path` is, in words: the part of the title before the workspace. */
function pageTitle(path: string, state: State): string {
  const parts = path.slice(ADMIN.length).split('/').filter(Boolean).map(decodeURIComponent);
  const words = state.locale.translations[state.locale.language] ?? {};
  const [section, name = ''] = parts;
  if (section === 'resources') {
    const resource = words.labels?.[name] ?? state.resources.find((r) => r.id === name)?.name ?? name;
    const last = parts.at(-1);
    const action = parts.length > 2 && last ? ACTIONS[last] : undefined;
    return action ? `${resource}: ${action}` : resource;
  }
  if (section === 'pages') return words.pages?.[name] ?? name;
  return 'Dashboard';
}

/**
 * The top bar's right side, in place of AdminJS's user menu: which workspace this is (the
 * sidebar shows the brand, which a client inherits from its agency), a way to switch, security
 * and sign-out as plain links every keyboard reaches; and every page's tab title, "<page> –
 * <workspace>", kept as the application moves between pages.
 */
const WorkspaceBar: React.FC<{ session: Session }> = ({ session }) => {
  const location = useLocation();
  const state = useSelector((s: State) => s);
  const workspace = session.workspaceName ?? session.workspaceSlug;
  useEffect(() => {
    document.title = `${pageTitle(location.pathname, state)} – ${workspace}`;
  }, [location.pathname, state, workspace]);
  return (
    <Box flex px={['default', 'lg']} style={{ gap: 12, alignItems: 'center', minWidth: 0 }} data-css="workspace-bar">
      <Text style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0 }}>
        <strong>{workspace}</strong>
        <Box as="span" display={['none', 'none', 'inline']}>
          {' '}
          · {session.role} · {session.email}
        </Box>
      </Text>
      <a href={`${ADMIN}/workspaces`} aria-label="Switch workspace">
        Switch
      </a>
      <a href={`${ADMIN}/security`}>Security</a>
      <a href={`${ADMIN}/logout`}>Sign out</a>
    </Box>
  );
};

export default WorkspaceBar;
