import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PortalApp } from './portal-app';
import { WordsProvider } from './words';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <WordsProvider>
        <PortalApp />
      </WordsProvider>
    </StrictMode>,
  );
}
