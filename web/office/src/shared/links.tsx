import { Anchor, type AnchorProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import { type AnchorHTMLAttributes, forwardRef } from 'react';

type Props = AnchorProps & AnchorHTMLAttributes<HTMLAnchorElement>;
const MantineAnchor = forwardRef<HTMLAnchorElement, Props>((props, ref) => <Anchor ref={ref} {...props} />);
MantineAnchor.displayName = 'MantineAnchor';

/** A Mantine anchor on a typed route: `<AppLink to="/jobs/$jobId" params={{ jobId }}>`; a wrong route does not compile. */
export const AppLink = createLink(MantineAnchor);
