// The card form: Stripe.js's Card Element, loaded only when a customer
// accepts a quote. The app's wasm calls `window.curbsideCheckout`
// (app/src/ui/parts/checkout.rs); card details go from the form straight
// to Stripe and never through Curbside.
(() => {
  let stripe = null;
  let card = null;
  let loading = null;

  function load(src) {
    if (window.Stripe) return Promise.resolve();
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = src;
        script.onload = () => resolve();
        script.onerror = () => {
          loading = null;
          script.remove();
          reject(new Error('The card form could not be loaded. Check your connection and try again.'));
        };
        document.head.append(script);
      });
    }
    return loading;
  }

  function message(error, fallback) {
    return (error && (error.message || String(error))) || fallback;
  }

  window.curbsideCheckout = {
    // Shows the card form in `el`.
    async mount(el, jsUrl, key) {
      await load(jsUrl);
      if (card) card.destroy();
      stripe = window.Stripe(key);
      card = stripe.elements().create('card', { hidePostalCode: true });
      card.mount(el);
    },
    // Checks the typed card with Stripe; resolves to its PaymentMethod id.
    async setup(secret) {
      const r = await stripe.confirmCardSetup(secret, { payment_method: { card } });
      if (r.error) throw new Error(message(r.error, 'Your card was not accepted.'));
      return r.setupIntent.payment_method;
    },
    // The bank's own confirmation (3-D Secure), when it asks for one.
    async authenticate(secret) {
      const r = await stripe.confirmCardPayment(secret);
      if (r.error) throw new Error(message(r.error, 'Your bank did not confirm the payment.'));
    },
  };
})();
