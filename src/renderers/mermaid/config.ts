/**
 * Mermaid's configuration for the editor theme: its `default` theme in light themes, `dark` in
 * dark ones, and in high-contrast themes its `base` theme set to the editor's own colors (black or
 * white fills, the contrast border on every shape, the foreground on every line and label). The
 * editor font everywhere; `strict` security always (labels are sanitized, no click handlers or
 * scripts); errors thrown, never drawn (mermaid's error "bomb" diagram). A diagram's own `%%{init}%%` may change
 * its theme or layout but not these (mermaid's default `secure` keys: securityLevel,
 * suppressErrorRendering, maxTextSize…).
 */
import type { MermaidConfig } from 'mermaid';
import type { Theme } from '../common/theme';

export function mermaidConfig(theme: Theme): MermaidConfig {
  const common: MermaidConfig = {
    startOnLoad: false,
    securityLevel: 'strict',
    suppressErrorRendering: true,
    fontFamily: theme.fontFamily,
  };
  switch (theme.kind) {
    case 'light':
      return { ...common, theme: 'default', darkMode: false };
    case 'dark':
      return { ...common, theme: 'dark', darkMode: true };
    case 'high-contrast':
    case 'high-contrast-light':
      return { ...common, theme: 'base', darkMode: theme.kind === 'high-contrast', themeVariables: highContrastVariables(theme) };
  }
}

/** Every fill the background, every line, border and text the foreground or the contrast border. */
function highContrastVariables(theme: Theme): Record<string, string | boolean> {
  const fg = theme.foreground;
  const bg = theme.background;
  const border = theme.contrastBorder || fg;
  return {
    darkMode: theme.kind === 'high-contrast',
    fontFamily: theme.fontFamily,
    background: bg,
    primaryColor: bg,
    secondaryColor: bg,
    tertiaryColor: bg,
    mainBkg: bg,
    secondBkg: bg,
    primaryTextColor: fg,
    secondaryTextColor: fg,
    tertiaryTextColor: fg,
    textColor: fg,
    titleColor: fg,
    primaryBorderColor: border,
    secondaryBorderColor: border,
    tertiaryBorderColor: border,
    nodeBorder: border,
    lineColor: fg,
    clusterBkg: bg,
    clusterBorder: border,
    edgeLabelBackground: bg,
    labelBackground: bg,
    noteBkgColor: bg,
    noteTextColor: fg,
    noteBorderColor: border,
    actorBkg: bg,
    actorBorder: border,
    actorTextColor: fg,
    actorLineColor: fg,
    signalColor: fg,
    signalTextColor: fg,
    labelBoxBkgColor: bg,
    labelBoxBorderColor: border,
    labelTextColor: fg,
    loopTextColor: fg,
    activationBkgColor: bg,
    activationBorderColor: border,
    sequenceNumberColor: bg,
    errorBkgColor: bg,
    errorTextColor: theme.error,
  };
}
