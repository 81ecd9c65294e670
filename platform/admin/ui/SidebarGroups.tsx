import React from 'react';
import { Box, Icon, Label, NavigationElement, StyledNavigation, StyledNavigationElement, Title } from '@adminjs/design-system';
import { useNavigationResources, useTranslation, type ResourceJSON } from 'adminjs';

interface Entry {
  label: string;
  icon?: string;
  href?: string;
  isSelected?: boolean;
  isOpen?: boolean;
  onClick?: (event: React.MouseEvent) => void;
  elements?: Entry[];
}

type NavigationProps = React.ComponentProps<typeof NavigationElement>;

/**
 * The sidebar's resources, grouped as AdminJS groups them, with each group a button that says
 * whether it is open: AdminJS draws a group as a link with no address, which Tab skips, so a
 * keyboard never reached the resources inside a closed group.
 */
const SidebarGroups: React.FC<{ resources: ResourceJSON[] }> = ({ resources }) => {
  const entries = useNavigationResources(resources) as Entry[];
  const { translateLabel } = useTranslation();
  const label = translateLabel('navigation');
  return (
    <StyledNavigation as="nav" aria-label={label} px="xl" py="lg">
      <Label pl="lg" mb="md" uppercase aria-hidden="true">
        {label}
      </Label>
      <ul>
        {entries.map((entry, i) =>
          entry.elements ? (
            <li key={`group-${i}`}>
              <StyledNavigationElement
                as="button"
                type="button"
                flex
                flexDirection="row"
                width="100%"
                aria-expanded={Boolean(entry.isOpen)}
                onClick={entry.onClick}
                style={{ border: 0, font: 'inherit', textAlign: 'left' }}
              >
                {entry.icon && (
                  <Box className="icon-box" as="span">
                    <Icon icon={entry.icon} />
                  </Box>
                )}
                <Title>{entry.label}</Title>
                <Box className="arrow-box" as="span">
                  <Icon icon={entry.isOpen ? 'ChevronUp' : 'ChevronDown'} />
                </Box>
              </StyledNavigationElement>
              {entry.isOpen && (
                <ul>
                  {entry.elements.map((child) => (
                    <li key={child.href}>
                      <NavigationElement {...(child as NavigationProps)} />
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ) : (
            <li key={entry.href}>
              <NavigationElement {...(entry as NavigationProps)} />
            </li>
          ),
        )}
      </ul>
    </StyledNavigation>
  );
};

export default SidebarGroups;
