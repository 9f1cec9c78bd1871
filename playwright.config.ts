// The browsers Playwright drives in `npm test`: Debian's Chromium and Firefox ESR (Playwright's own
// browser downloads are not used). test/harness/engines/playwright.mjs reads the projects and
// launches each project's browser once with the `playwright` library — not `playwright test`,
// because the harness keeps the page open between the test run and the interop phase.
// Pinned: @playwright/test and playwright 1.64.1 exactly; 1.65 breaks Firefox ESR over BiDi.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        headless: true,
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        channel: 'moz-firefox', // stock Firefox over WebDriver BiDi
        headless: true,
        launchOptions: {
          executablePath: '/usr/lib/firefox-esr/firefox-esr',
          // keep a stock Firefox off the network it would otherwise call home to
          firefoxUserPrefs: {
            'app.update.enabled': false, 'app.normandy.enabled': false, 'extensions.update.enabled': false,
            'browser.safebrowsing.malware.enabled': false, 'browser.safebrowsing.phishing.enabled': false,
            'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false,
            'network.captive-portal-service.enabled': false, 'network.connectivity-service.enabled': false,
            'services.settings.server': 'http://127.0.0.1:9/', 'browser.region.network.url': '',
          },
        },
      },
    },
  ],
});
