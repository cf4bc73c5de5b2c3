import '@mantine/core/styles.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import './styles.css';

/** Mantine's defaults meet WCAG AA contrast; the primary shade is darkened one step for text on white. */
const theme = createTheme({ primaryColor: 'blue', primaryShade: 7, defaultRadius: 'sm' });

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme}>
        <App />
      </MantineProvider>
    </StrictMode>,
  );
}
