// Integration tests wait for real controllers, so each may take up to two minutes. Jest
// reads testTimeout only from the root configuration, hence this per-project setup file.
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
