import path from 'node:path';
import { shellQuote } from './run-command.js';

/**
 * What a person types when `mfe-dev trust` cannot do it: exact commands with this machine's
 * paths, and the browsers' own settings pages as the fallback.
 */
export function manualTrustSteps(options: { platform: NodeJS.Platform; caFile: string; caName: string; userHome: string; uninstall: boolean; system: boolean }): string[] {
  const { caFile, caName, userHome, uninstall } = options;
  const q = shellQuote;
  const nssdb = `sql:${path.join(userHome, '.pki', 'nssdb')}`;
  const firefox = uninstall
    ? `Firefox: Settings → Privacy & Security → Certificates → View Certificates… → Authorities, select '${caName}', Delete or Distrust.`
    : `Firefox: Settings → Privacy & Security → Certificates → View Certificates… → Authorities → Import…, choose ${caFile}, tick "Trust this CA to identify websites".`;
  if (options.platform === 'darwin') {
    const keychain = options.system ? '/Library/Keychains/System.keychain' : path.join(userHome, 'Library', 'Keychains', 'login.keychain-db');
    const sudo = options.system ? 'sudo ' : '';
    return uninstall
      ? [`${sudo}security remove-trusted-cert ${options.system ? '-d ' : ''}${q(caFile)}`, `${sudo}security delete-certificate -c ${q(caName)} ${q(keychain)}`, firefox]
      : [`${sudo}security add-trusted-cert ${options.system ? '-d ' : ''}-r trustRoot -k ${q(keychain)} ${q(caFile)}`, firefox];
  }
  if (options.platform === 'win32') {
    const scope = options.system ? '' : '-user ';
    const shell = options.system ? 'In a Command Prompt run as administrator:' : 'In a Command Prompt:';
    return uninstall
      ? [shell, `  certutil ${scope}-delstore Root "${caName}"`, firefox]
      : [shell, `  certutil ${scope}-addstore Root "${caFile}"`, firefox];
  }
  if (options.system) {
    return uninstall
      ? [
          'Debian/Ubuntu: sudo rm /usr/local/share/ca-certificates/mfe-dev-local-ca.crt && sudo update-ca-certificates --fresh',
          'Fedora/RHEL: sudo rm /etc/pki/ca-trust/source/anchors/mfe-dev-local-ca.pem && sudo update-ca-trust extract',
        ]
      : [
          `Debian/Ubuntu: sudo cp ${q(caFile)} /usr/local/share/ca-certificates/mfe-dev-local-ca.crt && sudo update-ca-certificates`,
          `Fedora/RHEL: sudo cp ${q(caFile)} /etc/pki/ca-trust/source/anchors/mfe-dev-local-ca.pem && sudo update-ca-trust extract`,
          '(Chromium, Chrome and Firefox on Linux do not read the system store: run `mfe-dev trust` without --system for them.)',
        ];
  }
  return uninstall
    ? [
        'Install NSS tools if missing: sudo apt-get install libnss3-tools (Fedora: sudo dnf install nss-tools; Arch: sudo pacman -S nss)',
        `certutil -D -d ${q(nssdb)} -n ${q(caName)}`,
        `and for each Firefox profile folder P: certutil -D -d sql:P -n ${q(caName)}`,
        `Chromium/Chrome: Settings → Privacy and security → Security → Manage certificates → Authorities, delete '${caName}'.`,
        firefox,
      ]
    : [
        'Install NSS tools if missing: sudo apt-get install libnss3-tools (Fedora: sudo dnf install nss-tools; Arch: sudo pacman -S nss)',
        `mkdir -p ${q(path.join(userHome, '.pki', 'nssdb'))} && certutil -N -d ${q(nssdb)} --empty-password   (only if the database does not exist yet)`,
        `certutil -A -d ${q(nssdb)} -t C,, -n ${q(caName)} -i ${q(caFile)}`,
        `and for each Firefox profile folder P (in ~/.mozilla/firefox): certutil -A -d sql:P -t C,, -n ${q(caName)} -i ${q(caFile)}`,
        `Or, in Chromium/Chrome: Settings → Privacy and security → Security → Manage certificates → Authorities → Import, choose ${caFile}, tick "Trust this certificate for identifying websites".`,
        firefox,
      ];
}
