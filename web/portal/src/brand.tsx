/** The business the page is from: its logo where it has one, and its name. */
export const OrgName = ({ org }: { org: { name: string; logoUrl?: string | null } }) => (
  <span className="org">
    {org.logoUrl && <img className="logo" src={org.logoUrl} alt="" />}
    {org.name}
  </span>
);
