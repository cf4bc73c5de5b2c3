/** The IANA time zones this browser knows (none on an old one: the select then offers only what it must). */
const timeZones = (): string[] => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
};

/** "Europe/Dublin" as a person reads it: "Dublin (Europe)". */
export const zoneWords = (zone: string) => {
  const parts = zone.replaceAll('_', ' ').split('/');
  return parts.length > 1 ? `${parts.slice(1).join(', ')} (${parts[0]})` : (parts[0] ?? zone);
};

/** Every time zone as a select's options, in words; `first` (the one in force) always among them. */
export const zoneOptions = (first: string) =>
  [...new Set([first, ...timeZones()])].map((z) => ({ value: z, label: zoneWords(z) }));
