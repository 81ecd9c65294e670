import React from 'react';
import { New, type ActionProps } from 'adminjs';

/**
 * AdminJS's New form with the fields the server names (`custom.fields`): a contact's emails and
 * phones are asked here, though the edit form leaves them out (they are the contact's identity,
 * which only the shell's upsert changes).
 */
const NewContact: React.FC<ActionProps> = (props) => {
  const fields = (props.action.custom?.fields ?? []) as string[];
  const editProperties = fields.flatMap((name) => props.resource.properties[name] ?? []);
  return <New {...props} resource={{ ...props.resource, editProperties }} />;
};

export default NewContact;
