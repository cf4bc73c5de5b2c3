export * from './closeout';
export * from './identity';
export * from './operations';
