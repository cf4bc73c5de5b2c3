export * from './billing';
export * from './closeout';
export * from './collections';
export * from './identity';
export * from './integrations';
export * from './operations';
export * from './payments';
export * from './quotes';
