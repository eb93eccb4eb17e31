// SPDX-License-Identifier: MIT
// 'react-dom/client' as an ES module for the test page.
export const { createRoot } = globalThis.ReactDOM;
