import { useEffect, useRef, useState } from 'react';
import SignaturePad from 'signature_pad';

/**
 * A drawn signature on a canvas, sized for the screen's pixel density, on white (so the PNG reads on any
 * document). `active` false tears the pad down (a form that hides the canvas). The customer's page and the
 * technician's phone both sign through this.
 */
export const useSignaturePad = (active = true) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [signed, setSigned] = useState(false);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !active) return;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    c.width = c.offsetWidth * ratio;
    c.height = c.offsetHeight * ratio;
    c.getContext('2d')?.scale(ratio, ratio);
    const p = new SignaturePad(c, { backgroundColor: 'rgb(255,255,255)' });
    p.addEventListener('endStroke', () => setSigned(!p.isEmpty()));
    pad.current = p;
    return () => p.off();
  }, [active]);
  return {
    canvas,
    signed,
    clear: () => {
      pad.current?.clear();
      setSigned(false);
    },
    /** The drawing as a PNG data URL; null while nothing is drawn. */
    dataUrl: () => (pad.current && !pad.current.isEmpty() ? pad.current.toDataURL('image/png') : null),
  };
};
